package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestCRC16(t *testing.T) {
	// The check value of CRC-16/XMODEM, given in the Redis Cluster spec.
	if got := crc16("123456789"); got != 0x31C3 {
		t.Errorf("crc16(%q) = %#x; want 0x31c3", "123456789", got)
	}
}

func TestSlot(t *testing.T) {
	t.Parallel()
	cases := []struct {
		key  string
		want int
	}{
		{"", 0},
		{"123456789", 12739},
		{"foo", 12182},
		{"bar", 5061},
		{"{user1000}.following", 3443},
		{"{user1000}.followers", 3443},
		{"user1000", 3443},
		{"foo{}{bar}", 8363},    // an empty first tag: the whole key
		{"foo{{bar}}zap", 4015}, // the tag is "{bar"
		{"foo{bar}{zap}", 5061}, // only the first tag counts
		{"{}", 15257},
		{"{", 4092},
		{"}{", 12793},
		{"a\x00b", 8383},
		{"{\x00}x", 0},
		{"\x00{a\x00}", 14363},
		{"\xff\xfe", 3374},
	}
	s := StartServer(t, "--cluster-enabled", "yes")
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	ctx := context.Background()
	for _, c := range cases {
		if got := Slot(c.key); got != c.want {
			t.Errorf("Slot(%q) = %d; want %d", c.key, got, c.want)
		}
		server, err := rdb.ClusterKeySlot(ctx, c.key).Result()
		if err != nil {
			t.Fatalf("CLUSTER KEYSLOT %q: %v", c.key, err)
		}
		if got := Slot(c.key); int64(got) != server {
			t.Errorf("Slot(%q) = %d; CLUSTER KEYSLOT says %d", c.key, got, server)
		}
	}

	// Random keys, braces and NUL bytes included, against the server.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab{}\x00\xff")
	keys := make([]string, 2000)
	for i := range keys {
		b := make([]byte, r.IntN(12))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		keys[i] = string(b)
	}
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.ClusterKeySlot(ctx, k)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("CLUSTER KEYSLOT pipeline: %v", err)
	}
	for i, cmd := range cmds {
		if got, want := Slot(keys[i]), cmd.(*redis.IntCmd).Val(); int64(got) != want {
			t.Errorf("Slot(%q) = %d; CLUSTER KEYSLOT says %d", keys[i], got, want)
		}
	}
}

func TestKeyInSlot(t *testing.T) {
	t.Parallel()
	cases := []struct {
		slot   int
		prefix string
	}{
		{0, ""}, {1, "user:"}, {5460, "k"}, {5461, "k"}, {12345, "a{"}, {16383, "}{"},
		{Slot("{tag}"), "{tag}:"}, // the prefix's own tag already lands there
	}
	for slot := 0; slot < SlotCount; slot += 997 {
		cases = append(cases, struct {
			slot   int
			prefix string
		}{slot, "p:"})
	}
	for _, c := range cases {
		key := KeyInSlot(c.slot, c.prefix)
		if !strings.HasPrefix(key, c.prefix) {
			t.Errorf("KeyInSlot(%d, %q) = %q; want the prefix kept", c.slot, c.prefix, key)
		}
		if got := Slot(key); got != c.slot {
			t.Errorf("Slot(KeyInSlot(%d, %q)) = Slot(%q) = %d; want %d", c.slot, c.prefix, key, got, c.slot)
		}
	}
}

func TestKeyInSlotPanics(t *testing.T) {
	cases := []struct {
		slot   int
		prefix string
	}{
		{-1, ""},
		{SlotCount, ""},
		{(Slot("{tag}") + 1) % SlotCount, "{tag}:"},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "redistest: ") {
					t.Errorf("KeyInSlot(%d, %q) panicked with %v; want a redistest: panic", c.slot, c.prefix, r)
				}
			}()
			KeyInSlot(c.slot, c.prefix)
		}()
	}
}

func ExampleSlot() {
	fmt.Println(Slot("foo"))
	fmt.Println(Slot("{user1000}.following") == Slot("{user1000}.followers"))
	// Output:
	// 12182
	// true
}

func ExampleKeyInSlot() {
	key := KeyInSlot(0, "user:")
	fmt.Println(key, Slot(key))
	// Output:
	// user:{3560} 0
}

func TestSlotKeys(t *testing.T) {
	keys := SlotKeys("user:")
	if len(keys) != SlotCount {
		t.Fatalf("len(SlotKeys) = %d; want %d", len(keys), SlotCount)
	}
	for slot, key := range keys {
		if got := Slot(key); got != slot {
			t.Fatalf("Slot(%q) = %d; want %d", key, got, slot)
		}
		if !strings.HasPrefix(key, "user:{") {
			t.Fatalf("key %q does not start with the prefix", key)
		}
	}
	if want := KeyInSlot(0, "user:"); keys[0] != want {
		t.Errorf("SlotKeys(\"user:\")[0] = %q; want %q, as KeyInSlot makes it", keys[0], want)
	}
}
