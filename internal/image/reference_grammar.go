package image

import "strings"

// The grammar of image references, from distribution/reference (the one
// Docker, containerd and registries share), matched by hand: that package
// compiles a dozen regular expressions when it is loaded, 1.1 ms of every
// hull command's start here, for a grammar this small. The test
// TestGrammarAgreesWithDistribution holds the two to the same answers.
//
//	reference        := name [ ":" tag ] [ "@" digest ]
//	name             := [domain "/"] path
//	domain           := host [":" port]
//	host             := domain-component ["." domain-component]* | "[" ipv6 "]"
//	domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//	port             := [0-9]+
//	path             := path-component ["/" path-component]*
//	path-component   := [a-z0-9]+ (separator [a-z0-9]+)*
//	separator        := [._] | "__" | "-"+
//	tag              := [\w][\w.-]{0,127}
//	digest           := algorithm ":" [0-9a-fA-F]{32,}
//	algorithm        := [A-Za-z][A-Za-z0-9]* ([-_+.][A-Za-z][A-Za-z0-9]*)*

// pathLengthMax is the longest path a reference may have (distribution
// calls it NameTotalLengthMax, but checks the path alone).
const pathLengthMax = 255

// splitReference splits s into name, tag and digest as the reference
// grammar does, without checking the parts: at most one "@" starts the
// digest, and a ":" after the last "/" of the rest starts the tag (one
// before it belongs to a domain's port).
func splitReference(s string) (name, tag, dgst string, ok bool) {
	name = s
	if i := strings.IndexByte(s, '@'); i >= 0 {
		name, dgst = s[:i], s[i+1:]
		if dgst == "" {
			return "", "", "", false
		}
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
		if tag == "" {
			return "", "", "", false
		}
	}
	return name, tag, dgst, true
}

// matchReference reports whether s matches the reference grammar and, if
// so, splits it. domain is "" when the name has none.
func matchReference(s string) (domain, path, tag, dgst string, ok bool) {
	name, tag, dgst, ok := splitReference(s)
	if !ok || tag != "" && !isTag(tag) || dgst != "" && !isDigestSyntax(dgst) {
		return "", "", "", "", false
	}
	domain, path, ok = splitName(name)
	return domain, path, tag, dgst, ok
}

// splitName splits a name into domain and path. Like the grammar's
// regular expression, it takes the first component for a domain whenever
// that reading works.
func splitName(name string) (domain, path string, ok bool) {
	if i := strings.IndexByte(name, '/'); i > 0 && isDomain(name[:i]) && isPath(name[i+1:]) {
		return name[:i], name[i+1:], true
	}
	if isPath(name) {
		return "", name, true
	}
	return "", "", false
}

func isDomain(s string) bool {
	host := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.HasSuffix(s, "]") {
		host = s[:i]
		if !allOf(s[i+1:], isDigit) || i == len(s)-1 {
			return false
		}
	}
	if strings.HasPrefix(host, "[") {
		ip := strings.TrimSuffix(host[1:], "]")
		return len(ip) > 0 && len(ip) == len(host)-2 && allOf(ip, func(c byte) bool { return isHex(c) || c == ':' })
	}
	for _, c := range strings.Split(host, ".") {
		if c == "" || !allOf(c, func(b byte) bool { return isAlnum(b) || b == '-' }) || c[0] == '-' || c[len(c)-1] == '-' {
			return false
		}
	}
	return true
}

func isPath(s string) bool {
	for _, c := range strings.Split(s, "/") {
		if !isPathComponent(c) {
			return false
		}
	}
	return true
}

// isPathComponent matches [a-z0-9]+ (separator [a-z0-9]+)*: runs of
// lower-case letters and digits joined by one '.', one or two '_', or any
// number of '-'.
func isPathComponent(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isLowerAlnum(c):
			i++
		case c == '.':
			i++
			if !isLowerAlnum(s[i]) {
				return false
			}
		case c == '_':
			i++
			if s[i] == '_' {
				i++
			}
			if !isLowerAlnum(s[i]) {
				return false
			}
		case c == '-':
			for s[i] == '-' {
				i++
			}
			if !isLowerAlnum(s[i]) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isTag(s string) bool {
	return len(s) <= 128 && s[0] != '.' && s[0] != '-' &&
		allOf(s, func(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' })
}

// isDigestSyntax checks a digest's form only; go-digest decides whether its
// algorithm is one hull can verify.
func isDigestSyntax(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	if !ok || len(hex) < 32 || !allOf(hex, isHex) {
		return false
	}
	// Components of a letter then letters or digits, one separator
	// between each two.
	start := true // at the start of a component
	for i := 0; i < len(alg); i++ {
		c := alg[i]
		switch {
		case start && !isLetter(c):
			return false
		case c == '-' || c == '_' || c == '+' || c == '.':
			start = true
		case isAlnum(c):
			start = false
		default:
			return false
		}
	}
	return !start
}

func allOf(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isLetter(c byte) bool     { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool      { return isDigit(c) || isLetter(c) }
func isLowerAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' }
func isHex(c byte) bool        { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
