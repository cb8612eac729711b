package engine

import (
	"crypto/rand"
	"math/big"
)

// A container created without --name gets a name of two words, as in Docker,
// so people can tell their containers apart at a glance. The lists are
// hull's own: plain adjectives, and people who shaped computing.
var (
	nameAdjectives = []string{
		"agile", "amber", "bold", "brave", "bright", "calm", "clever", "cosy", "crisp", "daring",
		"eager", "fair", "fancy", "gentle", "glad", "happy", "hardy", "jolly", "keen", "kind",
		"lively", "lucid", "merry", "mild", "nimble", "noble", "patient", "proud", "quick", "quiet",
		"rapid", "serene", "sharp", "shy", "steady", "sunny", "swift", "tidy", "vivid", "witty",
	}
	nameSurnames = []string{
		"allen", "babbage", "backus", "bell", "cerf", "codd", "conway", "dijkstra", "engelbart", "floyd",
		"goldberg", "hamming", "hoare", "hopper", "kahn", "karp", "kay", "knuth", "lamport", "liskov",
		"lovelace", "mccarthy", "milner", "minsky", "naur", "neumann", "perlman", "pike", "ritchie", "shannon",
		"sutherland", "tarjan", "thompson", "torvalds", "turing", "wilkes", "wing", "wirth", "yao", "zuse",
	}
)

// randomName returns "adjective_surname", with a digit appended on retries.
func randomName(retry int) string {
	name := pick(nameAdjectives) + "_" + pick(nameSurnames)
	if retry > 0 {
		n, _ := rand.Int(rand.Reader, big.NewInt(10))
		name += n.String()
	}
	return name
}

func pick(words []string) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	return words[n.Int64()]
}
