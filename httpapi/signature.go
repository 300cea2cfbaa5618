package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
)

// maxSkew is how far the X-Sdk-Date of a signed request may be from the
// server's clock, in either direction.
const maxSkew = 15 * time.Minute

const (
	sdkAlgorithm       = "SDK-HMAC-SHA256"
	sdkDateFormat      = "20060102T150405Z"
	headerSdkDate      = "X-Sdk-Date"           // canonical MIME form
	headerContentHash  = "X-Sdk-Content-Sha256" // canonical MIME form
	signedSdkDate      = "x-sdk-date"           // as listed in SignedHeaders
	signedContentHash  = "x-sdk-content-sha256" // as listed in SignedHeaders
	signedHost         = "host"
	maxHeaderNameStack = 64
)

// verifySignature checks the SDK-HMAC-SHA256 signature of r, whose body has
// already been read into body (r.Body must not be read). lookup returns the
// credential of an access key and false when the key is unknown. It returns
// the credential that signed r, or the error of parseSignedRequest,
// verifyHeaders or verifyBody. The server runs these steps itself, reading
// the body between them; this is the three at once.
func verifySignature(r *http.Request, body []byte, lookup func(accessKey string) (dmsd.Credential, bool), now time.Time) (dmsd.Credential, error) {
	var stack [1024]byte
	sr, cr, err := parseSignedRequest(r, lookup, now, stack[:0])
	if err != nil {
		return dmsd.Credential{}, err
	}
	if err := sr.verifyHeaders(cr); err != nil {
		return dmsd.Credential{}, err
	}
	if err := sr.verifyBody(cr, sha256.Sum256(body), int64(len(body))); err != nil {
		return dmsd.Credential{}, err
	}
	return sr.cred, nil
}

// unsignedPayload is the X-Sdk-Content-Sha256 value by which the SDK says
// that it did not hash the body.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// signedRequest is what the headers of a signed request say, checked as far
// as they can be before its body is read.
type signedRequest struct {
	cred      dmsd.Credential
	date      string // X-Sdk-Date, exactly len(sdkDateFormat) bytes
	signature string
	// declared is the X-Sdk-Content-Sha256 header: "" when absent (the
	// signature covers the body's hash), unsignedPayload, or 64 hex digits.
	declared string
}

// parseSignedRequest checks everything of r's SDK-HMAC-SHA256 signature that
// its headers alone decide, without reading its body, and returns what the
// rest of the check needs: the request's signature and the canonical request
// up to, without, the body hash, built in buf's space (allocating only when it
// outgrows it). The canonical request is apart from the signedRequest so that
// a caller's buf can stay on its stack. lookup returns the credential of an
// access key and false when the key is unknown; it is called only once
// everything else in the headers is well formed. It returns an *dmsd.Error
// with ETOKENMISSING when there is no Authorization header, ETOKENEXPIRED
// when X-Sdk-Date is more than maxSkew away from now, and ETOKENINVALID for
// anything else wrong: a malformed Authorization header, another algorithm,
// an unknown access key, signed headers that do not include x-sdk-date or
// name a header the request lacks, a malformed date, an X-Sdk-Content-Sha256
// that is neither a SHA-256 in hex nor UNSIGNED-PAYLOAD, or UNSIGNED-PAYLOAD
// on a request that has a body.
//
// The canonical request is built exactly as the huaweicloud-sdk-go-v3 signer
// builds it (core/auth/signer/signer.go); see the SDK-HMAC-SHA256 section of
// the field notes. Beyond the SDK's rules it refuses what would let the
// handler see something other than what was signed: a query with a semicolon
// or a bad percent-escape, a repeated X-Sdk-Date or Authorization header, an
// X-Sdk-Content-Sha256 header that is not itself signed, and a body that the
// signature does not cover. Its steps, in order: authorizationOf, sdkDateOf,
// declaredBodyHash, appendCanonicalRequest, then lookup.
func parseSignedRequest(r *http.Request, lookup func(accessKey string) (dmsd.Credential, bool), now time.Time, buf []byte) (signedRequest, []byte, error) {
	auth, err := authorizationOf(r)
	if err != nil {
		return signedRequest{}, nil, err
	}
	date, err := sdkDateOf(r, now)
	if err != nil {
		return signedRequest{}, nil, err
	}
	declared, err := declaredBodyHash(r, auth.hasContentHash)
	if err != nil {
		return signedRequest{}, nil, err
	}
	cr, err := appendCanonicalRequest(buf[:0], r, auth.signedHeaders)
	if err != nil {
		return signedRequest{}, nil, err
	}
	// Everything that does not need the secret is checked; only now ask for it.
	cred, found := lookup(auth.accessKey)
	if !found || cred.SecretKey == "" {
		return signedRequest{}, nil, tokenError(dmsd.ETOKENINVALID, "The access key or the signature is invalid.")
	}
	return signedRequest{cred: cred, date: date, signature: auth.signature, declared: declared}, cr, nil
}

// authorization is what the Authorization header of a signed request says.
type authorization struct {
	accessKey, signedHeaders, signature string
	// hasContentHash says that x-sdk-content-sha256 is a signed header.
	hasContentHash bool
}

// authorizationOf returns r's single Authorization header, parsed, whose
// signed headers are well formed and include x-sdk-date. It returns
// ETOKENMISSING when there is none and ETOKENINVALID otherwise.
func authorizationOf(r *http.Request) (authorization, error) {
	auths := r.Header["Authorization"]
	if len(auths) == 0 || auths[0] == "" {
		return authorization{}, tokenError(dmsd.ETOKENMISSING, "The Authorization header is missing.")
	} else if len(auths) > 1 {
		return authorization{}, tokenError(dmsd.ETOKENINVALID, "The Authorization header is malformed.")
	}
	accessKey, signedHeaders, signature, err := parseAuthorization(auths[0])
	if err != nil {
		return authorization{}, err
	}
	hasDate, hasContentHash, ok := checkSignedHeaders(signedHeaders)
	if !ok {
		return authorization{}, tokenError(dmsd.ETOKENINVALID, "The SignedHeaders of the Authorization header are malformed.")
	} else if !hasDate {
		return authorization{}, tokenError(dmsd.ETOKENINVALID, "The signed headers must include x-sdk-date.")
	}
	return authorization{accessKey: accessKey, signedHeaders: signedHeaders, signature: signature, hasContentHash: hasContentHash}, nil
}

// sdkDateOf returns r's single X-Sdk-Date header, exactly
// len(sdkDateFormat) bytes. It returns ETOKENEXPIRED when the date is more
// than maxSkew away from now and ETOKENINVALID when the header is missing,
// repeated or malformed.
func sdkDateOf(r *http.Request, now time.Time) (string, error) {
	dates := r.Header[headerSdkDate]
	if len(dates) == 0 {
		return "", tokenError(dmsd.ETOKENINVALID, "A signed header is missing from the request.")
	} else if len(dates) > 1 {
		return "", tokenError(dmsd.ETOKENINVALID, "The X-Sdk-Date header must appear once.")
	}
	date := dates[0]
	t, err := time.Parse(sdkDateFormat, date)
	if len(date) != len(sdkDateFormat) || err != nil { // time.Parse would accept fractional seconds
		return "", tokenError(dmsd.ETOKENINVALID, "The X-Sdk-Date header must be a UTC time formatted as YYYYMMDDTHHMMSSZ.")
	}
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return "", tokenError(dmsd.ETOKENEXPIRED, "The request time differs from the server time by more than 15 minutes.")
	}
	return date, nil
}

// declaredBodyHash returns r's X-Sdk-Content-Sha256 header ("" when absent):
// 64 hex digits, or UNSIGNED-PAYLOAD on a request without a body. signed
// says whether the header is among the signed ones, which it must be when
// present. It returns ETOKENINVALID for anything else.
func declaredBodyHash(r *http.Request, signed bool) (string, error) {
	contentHashes := r.Header[headerContentHash]
	if len(contentHashes) > 1 || (len(contentHashes) == 1 && !signed) {
		return "", tokenError(dmsd.ETOKENINVALID, "The X-Sdk-Content-Sha256 header must appear once and be signed.")
	}
	if len(contentHashes) == 0 {
		return "", nil
	}
	declared := contentHashes[0]
	var sum [sha256.Size]byte
	switch {
	case declared == unsignedPayload:
		// The SDK sends it for bodies that are not JSON, which no
		// call of this API has; a body must be covered.
		if r.ContentLength != 0 {
			return "", tokenError(dmsd.ETOKENINVALID, "UNSIGNED-PAYLOAD is refused on a request with a body: sign its SHA-256.")
		}
	case !decodeHex(sum[:], declared):
		return "", tokenError(dmsd.ETOKENINVALID, "The X-Sdk-Content-Sha256 header must be a hex SHA-256 or UNSIGNED-PAYLOAD.")
	}
	return declared, nil
}

// appendCanonicalRequest appends to cr the canonical request of r up to,
// without, the body hash: METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n,
// where HEADERS ends with its own newline. It rarely outgrows a caller's
// stack buffer. It returns ETOKENINVALID for a malformed path or query and
// a signed header that r lacks.
func appendCanonicalRequest(cr []byte, r *http.Request, signedHeaders string) ([]byte, error) {
	var ok bool
	cr = append(cr, r.Method...)
	cr = append(cr, '\n')
	if cr, ok = appendCanonicalURI(cr, r.URL.EscapedPath()); !ok {
		return nil, tokenError(dmsd.ETOKENINVALID, "The request path is malformed.")
	}
	cr = append(cr, '\n')
	if cr, ok = appendCanonicalQuery(cr, r.URL.RawQuery); !ok {
		return nil, tokenError(dmsd.ETOKENINVALID, "The request query is malformed.")
	}
	cr = append(cr, '\n')
	if cr, ok = appendCanonicalHeaders(cr, r, signedHeaders); !ok {
		return nil, tokenError(dmsd.ETOKENINVALID, "A signed header is missing from the request.")
	}
	cr = append(cr, '\n')
	cr = append(cr, signedHeaders...)
	cr = append(cr, '\n')
	return cr, nil
}

// verifyHeaders checks the signature when the request declared its body's
// hash, which the signature then covers in place of the body: a forged
// request is refused before a byte of its body is read. It returns nil when
// the signature covers the body itself and must wait for verifyBody, and
// ETOKENINVALID when the signature does not match.
func (sr *signedRequest) verifyHeaders(cr []byte) error {
	if sr.declared == "" {
		return nil
	}
	return sr.checkSignature(append(cr, sr.declared...))
}

// verifyBody checks the body, of n bytes whose SHA-256 is sum, against the
// signature of the canonical request cr (both from parseSignedRequest):
// it checks the signature itself when it covers the body's hash,
// and otherwise that the body is the one the X-Sdk-Content-Sha256 header
// declared (verifyHeaders checked the signature). It returns ETOKENINVALID
// when the signature does not match, the body's hash differs from the
// declared one, or an UNSIGNED-PAYLOAD request has a body after all.
func (sr *signedRequest) verifyBody(cr []byte, sum [sha256.Size]byte, n int64) error {
	switch sr.declared {
	case "":
		return sr.checkSignature(hex.AppendEncode(cr, sum[:]))
	case unsignedPayload:
		if n != 0 {
			return tokenError(dmsd.ETOKENINVALID, "UNSIGNED-PAYLOAD is refused on a request with a body: sign its SHA-256.")
		}
		return nil
	}
	var declared [sha256.Size]byte
	decodeHex(declared[:], sr.declared) // checked by parseSignedRequest
	if !hmac.Equal(declared[:], sum[:]) {
		return tokenError(dmsd.ETOKENINVALID, "The request body does not match its signed X-Sdk-Content-Sha256.")
	}
	return nil
}

// checkSignature compares the signature of the complete canonical request cr
// with the request's. It returns ETOKENINVALID when they differ.
func (sr *signedRequest) checkSignature(cr []byte) error {
	// The string to sign, algorithm \n date \n hex(sha256(canonical request)),
	// and the signature it gives: one allocation, as both escape into crypto/hmac.
	sign := new(struct {
		sts [len(sdkAlgorithm) + 1 + len(sdkDateFormat) + 1 + 2*sha256.Size]byte
		sum [sha256.Size]byte
	})
	n := copy(sign.sts[:], sdkAlgorithm+"\n")
	n += copy(sign.sts[n:], sr.date) // exactly len(sdkDateFormat) bytes, checked by parseSignedRequest
	sign.sts[n] = '\n'
	n++
	crSum := sha256.Sum256(cr)
	hex.Encode(sign.sts[n:], crSum[:])
	hmacSHA256(&sign.sum, sr.cred.SecretKey, sign.sts[:])
	var got [sha256.Size]byte
	if !decodeLowerHex(got[:], sr.signature) || !hmac.Equal(got[:], sign.sum[:]) {
		return tokenError(dmsd.ETOKENINVALID, "The access key or the signature is invalid.")
	}
	return nil
}

// tokenError returns an *dmsd.Error with code and msg.
func tokenError(code, msg string) error {
	return &dmsd.Error{Code: code, Message: msg}
}

// parseAuthorization splits an Authorization header of the form
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex" into its
// parts. The three parameters may come in any order, each exactly once.
func parseAuthorization(h string) (accessKey, signedHeaders, signature string, err error) {
	alg, params, ok := strings.Cut(h, " ")
	if !ok {
		return "", "", "", tokenError(dmsd.ETOKENINVALID, "The Authorization header is malformed.")
	} else if alg != sdkAlgorithm {
		return "", "", "", tokenError(dmsd.ETOKENINVALID, "The signing algorithm must be SDK-HMAC-SHA256.")
	}
	var seenAccess, seenSigned, seenSignature bool
	for params != "" {
		var param string
		param, params, _ = strings.Cut(params, ",")
		name, value, ok := strings.Cut(strings.TrimSpace(param), "=")
		if !ok || value == "" {
			return "", "", "", tokenError(dmsd.ETOKENINVALID, "The Authorization header is malformed.")
		}
		var seen *bool
		switch name {
		case "Access":
			accessKey, seen = value, &seenAccess
		case "SignedHeaders":
			signedHeaders, seen = value, &seenSigned
		case "Signature":
			signature, seen = value, &seenSignature
		default:
			return "", "", "", tokenError(dmsd.ETOKENINVALID, "The Authorization header is malformed.")
		}
		if *seen {
			return "", "", "", tokenError(dmsd.ETOKENINVALID, "The Authorization header is malformed.")
		}
		*seen = true
	}
	if !seenAccess || !seenSigned || !seenSignature {
		return "", "", "", tokenError(dmsd.ETOKENINVALID, "The Authorization header is malformed.")
	}
	return accessKey, signedHeaders, signature, nil
}

// checkSignedHeaders reports whether the SignedHeaders list s is well formed
// as the SDK writes it: names separated by ';', each a non-empty HTTP token
// without uppercase letters, in strictly increasing order. The order matters
// beyond form: a list that repeats a name would let an unauthenticated
// request make the canonical request many times larger than itself. It also
// reports whether x-sdk-date and x-sdk-content-sha256 are among them.
func checkSignedHeaders(s string) (hasDate, hasContentHash, ok bool) {
	if strings.HasSuffix(s, ";") {
		return false, false, false
	}
	prev := ""
	for s != "" {
		var name string
		name, s, _ = strings.Cut(s, ";")
		if name == "" || (prev != "" && name <= prev) {
			return false, false, false
		}
		prev = name
		for i := 0; i < len(name); i++ {
			if c := name[i]; !isTokenByte(c) || ('A' <= c && c <= 'Z') {
				return false, false, false
			}
		}
		switch name {
		case signedSdkDate:
			hasDate = true
		case signedContentHash:
			hasContentHash = true
		}
	}
	return hasDate, hasContentHash, true
}

// appendCanonicalURI appends the SDK's canonical form of an escaped path: each
// '/'-separated segment unescaped and re-escaped with sdkEscape, ending with
// '/'. It reports false for a malformed percent-escape.
func appendCanonicalURI(dst []byte, escapedPath string) ([]byte, bool) {
	start := len(dst)
	for i := 0; i < len(escapedPath); {
		c := escapedPath[i]
		switch c {
		case '/':
			dst = append(dst, '/')
			i++
			continue
		case '%':
			if i+2 >= len(escapedPath) || !isHex(escapedPath[i+1]) || !isHex(escapedPath[i+2]) {
				return dst, false
			}
			c = unhex(escapedPath[i+1])<<4 | unhex(escapedPath[i+2])
			i += 3
		default:
			i++
		}
		dst = appendEscapedByte(dst, c)
	}
	if len(dst) == start || dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst, true
}

// queryPair is one key=value of a raw query, both still escaped.
type queryPair struct{ key, value string }

// appendCanonicalQuery appends the SDK's canonical form of a raw query: pairs
// sorted by unescaped key then unescaped value, each written as
// sdkEscape(key)=sdkEscape(value) and joined by '&'. Keys and values are
// unescaped as url.ParseQuery does ('+' is a space). It reports false for a
// semicolon or a malformed percent-escape, which url.ParseQuery refuses and
// r.URL.Query() silently drops.
func appendCanonicalQuery(dst []byte, rawQuery string) ([]byte, bool) {
	if rawQuery == "" {
		return dst, true
	}
	var stack [16]queryPair
	pairs := stack[:0]
	for q := rawQuery; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if kv == "" {
			continue
		}
		key, value, _ := strings.Cut(kv, "=")
		if !validQueryEscapes(key) || !validQueryEscapes(value) {
			return dst, false
		}
		pairs = append(pairs, queryPair{key, value})
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := compareUnescaped(a.key, b.key); c != 0 {
			return c
		}
		return compareUnescaped(a.value, b.value)
	})
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendReescaped(dst, p.key)
		dst = append(dst, '=')
		dst = appendReescaped(dst, p.value)
	}
	return dst, true
}

// validQueryEscapes reports whether s is a valid query component: every '%'
// followed by two hexadecimal digits and no ';'.
func validQueryEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		case ';':
			return false
		}
	}
	return true
}

// unescapedByteAt returns the byte that the query component s holds at index i
// once unescaped, and the index after it. s must be valid (validQueryEscapes).
func unescapedByteAt(s string, i int) (byte, int) {
	switch s[i] {
	case '%':
		return unhex(s[i+1])<<4 | unhex(s[i+2]), i + 3
	case '+':
		return ' ', i + 1
	}
	return s[i], i + 1
}

// compareUnescaped compares the valid query components a and b by their
// unescaped bytes, as strings.Compare would compare the unescaped strings.
func compareUnescaped(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		var ca, cb byte
		ca, i = unescapedByteAt(a, i)
		cb, j = unescapedByteAt(b, j)
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case i < len(a):
		return 1
	case j < len(b):
		return -1
	}
	return 0
}

// appendReescaped appends the valid query component s unescaped and then
// escaped with sdkEscape.
func appendReescaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		var c byte
		c, i = unescapedByteAt(s, i)
		dst = appendEscapedByte(dst, c)
	}
	return dst
}

// appendCanonicalHeaders appends "name:value\n" for each name of the
// SignedHeaders list (already checked by checkSignedHeaders), with the value
// trimmed of spaces; a header with several values gives one line per value,
// values sorted. A signed host header takes r.Host, since Go moves Host out of
// r.Header. It reports false when the request lacks a signed header.
func appendCanonicalHeaders(dst []byte, r *http.Request, signedHeaders string) ([]byte, bool) {
	for s := signedHeaders; s != ""; {
		var name string
		name, s, _ = strings.Cut(s, ";")
		if name == signedHost {
			if r.Host == "" {
				return dst, false
			}
			dst = appendHeaderLine(dst, name, r.Host)
			continue
		}
		var values []string
		if len(name) <= maxHeaderNameStack {
			var key [maxHeaderNameStack]byte
			values = r.Header[string(canonicalHeaderKey(key[:0], name))] // no allocation for the lookup
		} else {
			values = r.Header[textproto.CanonicalMIMEHeaderKey(name)]
		}
		switch len(values) {
		case 0:
			return dst, false
		case 1:
			dst = appendHeaderLine(dst, name, values[0])
		default:
			sorted := slices.Clone(values)
			slices.Sort(sorted)
			for _, v := range sorted {
				dst = appendHeaderLine(dst, name, v)
			}
		}
	}
	return dst, true
}

func appendHeaderLine(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':')
	dst = append(dst, strings.TrimSpace(value)...)
	return append(dst, '\n')
}

// canonicalHeaderKey appends the canonical MIME form of name, a lowercase
// HTTP token, as textproto.CanonicalMIMEHeaderKey computes it: the first
// letter and each letter after a '-' upper case.
func canonicalHeaderKey(dst []byte, name string) []byte {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst
}

// hmacSHA256 writes HMAC-SHA256(key, msg) to sum.
func hmacSHA256(sum *[sha256.Size]byte, key string, msg []byte) {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(msg) // a hash.Hash never returns an error
	mac.Sum(sum[:0])
}

// decodeLowerHex decodes s, which must be exactly 2*len(dst) lowercase
// hexadecimal digits as the SDK writes signatures, into dst.
func decodeLowerHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := s[2*i], s[2*i+1]
		if !isLowerHex(hi) || !isLowerHex(lo) {
			return false
		}
		dst[i] = unhex(hi)<<4 | unhex(lo)
	}
	return true
}

// decodeHex decodes s, which must be exactly 2*len(dst) hexadecimal digits of
// either case, into dst.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := s[2*i], s[2*i+1]
		if !isHex(hi) || !isHex(lo) {
			return false
		}
		dst[i] = unhex(hi)<<4 | unhex(lo)
	}
	return true
}

// appendEscapedByte appends c as the SDK's escape writes it: unchanged if it
// is one of A-Z a-z 0-9 - _ . ~, otherwise %XX with uppercase hex.
func appendEscapedByte(dst []byte, c byte) []byte {
	if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
		return append(dst, c)
	}
	const upperHex = "0123456789ABCDEF"
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

// isTokenByte reports whether c may appear in an HTTP header name (RFC 9110 tchar).
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isLowerHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
}

// unhex returns the value of the hexadecimal digit c.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}
