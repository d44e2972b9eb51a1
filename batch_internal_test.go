package redpipe

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestBuiltAsGoRedis calls every command method of Pipe and the go-redis
// method of the same name with the same arguments, and checks that both
// build a command of the same type with the same arguments: those that
// build their command on their batch's arguments (see built) as well as
// those that call go-redis. A method that go-redis panics on is left out
// and counted.
func TestBuiltAsGoRedis(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialed
	t.Cleanup(func() { _ = client.Close() })
	pipeType := reflect.TypeFor[*Pipe]()
	plType := reflect.TypeOf(client.Pipeline())
	ctx := reflect.ValueOf(context.Background())
	compared, panicked := 0, 0
	for i := range pipeType.NumMethod() {
		m := pipeType.Method(i)
		want, ok := plType.MethodByName(m.Name)
		if !ok || m.Type.NumOut() != 1 || want.Type.NumIn() != m.Type.NumIn()+1 {
			continue // not a command: Execute, Reset, ...
		}
		t.Run(m.Name, func(t *testing.T) {
			args := sampleArgs(m.Type)
			root := New(client)
			pl := client.Pipeline()
			var ret redis.Cmder
			if !calls(func() {
				ret = want.Func.Call(append([]reflect.Value{reflect.ValueOf(pl), ctx}, args...))[0].Interface().(redis.Cmder)
			}) {
				panicked++
				return
			}
			m.Func.Call(append([]reflect.Value{reflect.ValueOf(root)}, args...))
			if root.q.last == nil || root.q.last.len() != 1 {
				t.Fatalf("%s queued no command", m.Name)
			}
			got := root.q.last.store.Cmds()[0]
			if pl.Len() == 0 { // go-redis refused to build it
				if len(root.q.last.refusals()) != 1 || fmt.Sprint(got.Err()) != fmt.Sprint(ret.Err()) {
					t.Errorf("%s: error %v; go-redis refused it with %v", m.Name, got.Err(), ret.Err())
				}
				compared++
				return
			}
			wantCmd := pl.Cmds()[0]
			if reflect.TypeOf(got) != reflect.TypeOf(wantCmd) {
				t.Fatalf("%s built a %T; go-redis builds a %T", m.Name, got, wantCmd)
			}
			if !reflect.DeepEqual(got.Args(), wantCmd.Args()) {
				t.Errorf("%s built %v; go-redis builds %v", m.Name, got.Args(), wantCmd.Args())
			}
			if got.Err() != wantCmd.Err() && fmt.Sprint(got.Err()) != fmt.Sprint(wantCmd.Err()) {
				t.Errorf("%s: error %v; go-redis's %v", m.Name, got.Err(), wantCmd.Err())
			}
			compared++
		})
	}
	t.Logf("compared %d commands; go-redis panicked on the sample arguments of %d", compared, panicked)
	if compared < 500 {
		t.Errorf("compared %d commands; want every command of Pipe but a few", compared)
	}
}

// calls runs fn and reports whether it returned without a panic.
func calls(fn func()) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	fn()
	return true
}

// sampleArgs returns arguments for a method of type mt, its receiver
// first: each distinct from the others, variadic ones two values.
func sampleArgs(mt reflect.Type) []reflect.Value {
	var args []reflect.Value
	for i := 1; i < mt.NumIn(); i++ {
		t := mt.In(i)
		if mt.IsVariadic() && i == mt.NumIn()-1 {
			args = append(args, sample(t.Elem(), i), sample(t.Elem(), i+10))
			continue
		}
		args = append(args, sample(t, i))
	}
	return args
}

// sample returns a value of t made of n.
func sample(t reflect.Type, n int) reflect.Value {
	v := reflect.New(t).Elem()
	switch {
	case t == reflect.TypeFor[time.Duration]():
		v.SetInt(int64(n) * int64(time.Second))
	case t == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Unix(int64(1_700_000_000+n), 0)))
	case t.Kind() == reflect.String:
		v.SetString(fmt.Sprint("arg", n))
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		v.SetInt(int64(n))
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		v.SetUint(uint64(n))
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	case t.Kind() == reflect.Bool:
		v.SetBool(true)
	case t.Kind() == reflect.Interface:
		if reflect.TypeFor[string]().Implements(t) {
			v.Set(reflect.ValueOf(fmt.Sprint("val", n)))
		}
	case t.Kind() == reflect.Slice:
		v.Set(reflect.Append(v, sample(t.Elem(), n)))
	case t.Kind() == reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
	}
	return v
}

// TestBatchArgs hands out the arguments of many commands of one batch,
// inline and in blocks, and checks that each keeps its values, and that an
// append to one leaves the next alone.
func TestBatchArgs(t *testing.T) {
	b := new(batch)
	var got [][]any
	var want [][]any
	for i := range 200 {
		n := 1 + i%(argBlock/4+3) // some too long for a block
		vals := make([]any, n)
		for j := range vals {
			vals[j] = fmt.Sprint(i, ":", j)
		}
		a := b.args(vals...)
		if len(a) != n || cap(a) != n {
			t.Fatalf("command %d: args of len %d, cap %d; want both %d", i, len(a), cap(a), n)
		}
		_ = append(a, "appended") // must copy, not write the next command's
		got, want = append(got, a), append(want, vals)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the arguments changed after later commands took theirs")
	}
}

// TestBatchArgsFew checks that the commands of a building block take no
// block of arguments: past the inline ones, a few get slices of their own.
func TestBatchArgsFew(t *testing.T) {
	vals := []any{"hget", "key", "field"}
	b := new(batch)
	allocs := testing.AllocsPerRun(1, func() {
		*b = batch{}
		b.args(vals...) // inline
		b.args(vals...) // its own
		b.args(vals...) // its own
	})
	if b.argBlock != nil {
		t.Errorf("three commands of three arguments took a block")
	}
	if allocs != 2 {
		t.Errorf("three commands of three arguments made %v allocations; want 2, one per command past the inline arguments", allocs)
	}
	for range 8 {
		b.args(vals...)
	}
	if b.argBlock == nil {
		t.Errorf("eleven commands of three arguments took no block")
	}
}
