package redpipe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

var errNoArgs = errors.New("redpipe: Do needs at least the command's name")

var (
	_ error = (*ExecError)(nil)
	_ error = (*CommandError)(nil)
)

// ExecError is the error of a root's [Pipe.Execute] when commands failed.
// It says how many failed on which connection; [errors.Is] and [errors.As]
// reach each failed command's error through it. A nil reply is not a
// failure and never makes an ExecError. Execute makes it; it is read-only
// after, and may be read from several goroutines at once.
type ExecError struct {
	// Commands holds one entry per failed command, grouped by connection,
	// in the order they were queued within each connection.
	Commands []*CommandError
}

// Error reports the number of failed commands per connection and the first
// error on each.
func (e *ExecError) Error() string {
	type conn struct {
		label string
		n     int
		first *CommandError
	}
	var conns []conn
	for _, c := range e.Commands {
		if i := len(conns) - 1; i >= 0 && conns[i].label == c.Label {
			conns[i].n++
			continue
		}
		conns = append(conns, conn{label: c.Label, n: 1, first: c})
	}
	var b strings.Builder
	b.WriteString("redpipe: ")
	for i, c := range conns {
		if i > 0 {
			b.WriteString("; ")
		}
		noun := "commands"
		if c.n == 1 {
			noun = "command"
		}
		fmt.Fprintf(&b, "%d %s failed on %s (first: %s: %v)", c.n, noun, c.label, c.first.cmdName(), c.first.Err)
	}
	if n := e.OutcomeUnknown(); n > 0 {
		fmt.Fprintf(&b, "; %d may have run (outcome unknown)", n)
	}
	if n := e.NotSent(); n > 0 {
		fmt.Fprintf(&b, "; %d not sent", n)
	}
	return b.String()
}

// OutcomeUnknown returns how many of the failed commands were sent and
// lost their reply: they may or may not have run ([ErrOutcomeUnknown]).
func (e *ExecError) OutcomeUnknown() int { return e.count(ErrOutcomeUnknown) }

// NotSent returns how many of the failed commands were not sent
// ([ErrNotSent]): they did not run.
func (e *ExecError) NotSent() int { return e.count(ErrNotSent) }

func (e *ExecError) count(target error) int {
	n := 0
	for _, c := range e.Commands {
		if errors.Is(c.Err, target) {
			n++
		}
	}
	return n
}

// Unwrap returns the error of each failed command, as a *CommandError.
func (e *ExecError) Unwrap() []error {
	errs := make([]error, len(e.Commands))
	for i, c := range e.Commands {
		errs[i] = c
	}
	return errs
}

// CommandError is the failure of one command of a batch: the same error
// its future reports, with the command and the connection it was for. It
// is read-only once Execute returns.
type CommandError struct {
	// Conn is the name the connection was registered under, as given to
	// [On]: "" for the default connection, and for a client given to [New]
	// without On.
	Conn  string
	Label string      // the connection, as named in messages
	Cmd   redis.Cmder // the command that failed
	Err   error       // the command's error, as its future reports it

	name string // the command's name, when Cmd has no args
}

// Error names the command with its first arguments, its keys for most
// commands, each cut short when long.
func (e *CommandError) Error() string {
	return fmt.Sprintf("redpipe: %s on %s: %v", e.command(), e.Label, e.Err)
}

// command names the command in messages with its first arguments.
func (e *CommandError) command() string {
	var b strings.Builder
	b.WriteString(e.cmdName())
	args := e.Cmd.Args()
	skip := 1 + strings.Count(e.cmdName(), " ") // the name's words
	for i, arg := range args[min(skip, len(args)):] {
		if i == maxShownArgs {
			b.WriteString(" ...")
			break
		}
		s := fmt.Sprint(arg)
		if len(s) > maxShownArg {
			s = s[:maxShownArg] + "..."
		}
		b.WriteString(" " + s)
	}
	return b.String()
}

// maxShownArgs and maxShownArg bound what a CommandError shows of a
// command's arguments.
const (
	maxShownArgs = 3
	maxShownArg  = 32
)

// cmdName names the command in messages.
func (e *CommandError) cmdName() string {
	if e.name != "" {
		return e.name
	}
	return cmdName(e.Cmd)
}

// Unwrap returns the command's error.
func (e *CommandError) Unwrap() error { return e.Err }

// cmdName names a command in messages: its name in capitals, with the
// subcommand for commands such as CLIENT LIST.
func cmdName(cmd redis.Cmder) string {
	if cmd == nil || len(cmd.Args()) == 0 {
		return "(empty command)"
	}
	return strings.ToUpper(cmd.FullName())
}
