package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	signAlgorithm  = "SDK-HMAC-SHA256"
	signDateFormat = "20060102T150405Z"
	headerSdkDate  = "X-Sdk-Date"
	headerContent  = "X-Sdk-Content-Sha256"
)

// Sign signs r with SDK-HMAC-SHA256 exactly as the official Huawei Cloud Go
// SDK signs it, with the access key and secret key, at date: it sets
// X-Sdk-Date to date (UTC, YYYYMMDDTHHMMSSZ) and Authorization, replacing any
// earlier signature. body is the request body (nil for none); r.Body is not
// read.
//
// The signed headers are every header r holds when Sign is called, except
// Content-Type and names containing '_', which the SDK never signs, plus
// X-Sdk-Date; Host is not signed. Headers set after Sign are sent unsigned.
// The body hash is X-Sdk-Content-Sha256 when r has that header, otherwise
// the lowercase hex SHA-256 of body.
func Sign(r *http.Request, body []byte, accessKey, secretKey string, date time.Time) error {
	if accessKey == "" || secretKey == "" {
		return errors.New("sign: the access key and the secret key are required")
	}
	r.Header.Del("Authorization")
	sdkDate := date.UTC().Format(signDateFormat)
	r.Header.Set(headerSdkDate, sdkDate)

	// Signed headers: lower-cased names, sorted, each with its values.
	values := make(map[string][]string, len(r.Header))
	for k, vs := range r.Header {
		name := strings.ToLower(k)
		if strings.HasPrefix(name, "content-type") || strings.Contains(name, "_") {
			continue
		}
		values[name] = append(values[name], vs...)
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	signedHeaders := strings.Join(names, ";")

	uri, err := canonicalURI(r.URL.EscapedPath())
	if err != nil {
		return err
	}
	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}

	var cr strings.Builder
	cr.WriteString(r.Method)
	cr.WriteByte('\n')
	cr.WriteString(uri)
	cr.WriteByte('\n')
	cr.WriteString(query)
	cr.WriteByte('\n')
	for _, name := range names {
		vs := slices.Clone(values[name])
		slices.Sort(vs)
		for _, v := range vs {
			cr.WriteString(name)
			cr.WriteByte(':')
			cr.WriteString(strings.TrimSpace(v))
			cr.WriteByte('\n')
		}
	}
	cr.WriteByte('\n')
	cr.WriteString(signedHeaders)
	cr.WriteByte('\n')
	if h := r.Header.Get(headerContent); h != "" {
		cr.WriteString(h)
	} else {
		sum := sha256.Sum256(body)
		cr.WriteString(hex.EncodeToString(sum[:]))
	}

	crSum := sha256.Sum256([]byte(cr.String()))
	stringToSign := signAlgorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(crSum[:])
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(stringToSign))
	signature := hex.EncodeToString(mac.Sum(nil))

	r.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s", signAlgorithm, accessKey, signedHeaders, signature))
	return nil
}

// canonicalURI returns the SDK's canonical form of an escaped path: each
// '/'-separated segment unescaped and escaped again with sdkEscape, ending
// with '/'.
func canonicalURI(escapedPath string) (string, error) {
	segments := strings.Split(escapedPath, "/")
	for i, s := range segments {
		u, err := url.PathUnescape(s)
		if err != nil {
			return "", fmt.Errorf("sign: malformed path %q: %w", escapedPath, err)
		}
		segments[i] = sdkEscape(u)
	}
	p := strings.Join(segments, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p, nil
}

// canonicalQuery returns the SDK's canonical form of a raw query: keys
// sorted, each key's values sorted, sdkEscape(key)=sdkEscape(value) joined by
// '&'.
func canonicalQuery(rawQuery string) (string, error) {
	if rawQuery == "" {
		return "", nil
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("sign: malformed query: %w", err)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		vs := slices.Clone(q[k])
		slices.Sort(vs)
		for _, v := range vs {
			parts = append(parts, sdkEscape(k)+"="+sdkEscape(v))
		}
	}
	return strings.Join(parts, "&"), nil
}

// sdkEscape percent-encodes every byte of s except A-Z a-z 0-9 - _ . ~, with
// uppercase hex, as the SDK's signer does.
func sdkEscape(s string) string {
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}
