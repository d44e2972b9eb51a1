package redistest

import (
	"fmt"
	"strconv"
	"strings"
)

// SlotCount is the number of hash slots in a Redis Cluster.
const SlotCount = 16384

// Slot returns the Redis Cluster hash slot of key: the CRC16 (XMODEM) of the
// key, modulo 16384. If the key contains a hash tag, a non-empty substring
// between the first '{' and the first '}' after it, only the tag is hashed, so
// "{user1}.a" and "{user1}.b" share a slot; "{}" is not a hash tag.
func Slot(key string) int {
	return int(crc16(hashTag(key))) % SlotCount
}

// KeyInSlot returns a key that hashes to slot: prefix followed by a hash tag
// chosen to land in slot, e.g. KeyInSlot(0, "user:") is "user:{3560}". The
// search takes about 16384 hashes. It panics if slot is out of range, or if
// prefix holds a hash tag of its own that hashes elsewhere.
func KeyInSlot(slot int, prefix string) string {
	checkSlot(slot)
	if tag := hashTag(prefix); tag != prefix {
		// Whatever follows, the prefix's own tag decides the slot.
		if Slot(prefix) != slot {
			panic(fmt.Sprintf("redistest: prefix %q has hash tag %q, which is in slot %d, not %d", prefix, tag, Slot(prefix), slot))
		}
		return prefix
	}
	// An unclosed '{' in prefix would swallow the tag, so search by hashing
	// whole keys; without one this is the same as hashing the tag alone.
	for i := 0; ; i++ {
		key := prefix + "{" + strconv.Itoa(i) + "}"
		if Slot(key) == slot {
			return key
		}
	}
}

// SlotKeys returns one key per slot, SlotKeys(prefix)[slot] hashing to
// slot: prefix followed by a hash tag, as KeyInSlot makes them, found in one
// pass instead of one search per slot. prefix must not hold a hash tag.
func SlotKeys(prefix string) []string {
	if hashTag(prefix) != prefix {
		panic(fmt.Sprintf("redistest: SlotKeys prefix %q has a hash tag", prefix))
	}
	keys := make([]string, SlotCount)
	for i, left := 0, SlotCount; left > 0; i++ {
		key := prefix + "{" + strconv.Itoa(i) + "}"
		if slot := Slot(key); keys[slot] == "" {
			keys[slot] = key
			left--
		}
	}
	return keys
}

// hashTag returns the part of key that Redis Cluster hashes.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 { // no '}' after the '{', or an empty tag
		return key
	}
	return key[open+1 : open+1+end]
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0), the checksum
// Redis Cluster uses for key hashing.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// checkSlot panics if slot is not a valid hash slot.
func checkSlot(slot int) {
	if slot < 0 || slot >= SlotCount {
		panic(fmt.Sprintf("redistest: slot %d out of range [0, %d)", slot, SlotCount))
	}
}
