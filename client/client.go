// Package client is a typed Go client of dmsd's API, the v2 management API of
// DMS for Kafka: instances and the background tasks that change them. It signs
// every request itself with SDK-HMAC-SHA256, as the official Huawei Cloud SDK
// does (signing X-Sdk-Date, X-Project-Id and a random X-Dmsd-Nonce that keeps
// every signature unique), sends requests the server's flow control refuses
// (429) again after their Retry-After, and turns the API's error answers into
// *Error. The dmsd command-line client and the tests use it.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Credentials are what a Client signs its requests with: an access key pair
// and the project it acts in.
type Credentials struct {
	AccessKey string
	SecretKey string
	ProjectID string
}

// DefaultTimeout bounds each HTTP request of a Client made without
// WithHTTPClient or WithTimeout.
const DefaultTimeout = 30 * time.Second

// DefaultPollInterval is how often WaitTask asks for a task's state.
const DefaultPollInterval = 250 * time.Millisecond

// maxResponseBytes bounds the answer the client reads; no API answer comes
// close.
const maxResponseBytes = 16 << 20

// Client calls one dmsd endpoint with one set of credentials. It is safe for
// concurrent use.
type Client struct {
	endpoint string
	cred     Credentials
	hc       *http.Client
	now      func() time.Time
	poll     time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests with hc, whose timeout
// and transport then apply.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithTimeout bounds each HTTP request; the default is DefaultTimeout. It
// applies to the Client's own HTTP client, so give it after WithHTTPClient
// if both are used.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		hc := *c.hc
		hc.Timeout = d
		c.hc = &hc
	}
}

// WithPollInterval sets how often WaitTask polls; the default is
// DefaultPollInterval.
func WithPollInterval(d time.Duration) Option { return func(c *Client) { c.poll = d } }

// WithClock sets the clock whose time signs requests (X-Sdk-Date); the
// default is time.Now. The server accepts dates at most 15 minutes off.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a Client of the dmsd API at endpoint, for example
// http://127.0.0.1:9780; an endpoint without a scheme is taken as http.
func New(endpoint string, cred Credentials, opts ...Option) *Client {
	endpoint = strings.TrimRight(endpoint, "/")
	if !strings.Contains(endpoint, "://") {
		endpoint = "http://" + endpoint
	}
	c := &Client{
		endpoint: endpoint,
		cred:     cred,
		hc:       &http.Client{Timeout: DefaultTimeout},
		now:      time.Now,
		poll:     DefaultPollInterval,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Endpoint returns the endpoint the Client calls, without a trailing slash.
func (c *Client) Endpoint() string { return c.endpoint }

// ProjectID returns the project the Client acts in.
func (c *Client) ProjectID() string { return c.cred.ProjectID }

// Error is an answer of the API other than 2xx.
type Error struct {
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Code is the DMS error code, for example DMS.00404022; it is empty when
	// the answer was not in the API's error format (a proxy's, say).
	Code string `json:"error_code"`
	// Message is the API's error_msg, or the start of the body when the
	// answer was not in the API's error format.
	Message string `json:"error_msg"`
	// RequestID is the answer's X-Request-Id, which finds the request in the
	// server's log.
	RequestID string `json:"request_id,omitempty"`
}

// Error returns, for example, "DMS.00404022: This instance does not exist.
// (HTTP 404, request id 0f3c...)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Code != "" {
		b.WriteString(e.Code)
		b.WriteString(": ")
	}
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	b.WriteString(msg)
	fmt.Fprintf(&b, " (HTTP %d", e.Status)
	if e.RequestID != "" {
		b.WriteString(", request id ")
		b.WriteString(e.RequestID)
	}
	b.WriteByte(')')
	return b.String()
}

// ErrorCode returns the DMS error code of err if it is, or wraps, an *Error,
// and "" otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// maxRetries is how many times a request refused with 429 (the server's
// flow control) is sent again, after the answer's Retry-After.
const maxRetries = 3

// maxRetryAfter bounds the wait before a retry.
const maxRetryAfter = 5 * time.Second

// do sends a signed request and decodes a 2xx answer's JSON into out, unless
// out is nil. in, unless nil, is sent as the JSON body. A request refused
// with 429 is signed and sent again, up to maxRetries times. A non-2xx answer
// is an *Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	u := c.endpoint + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		req, err := c.newRequest(ctx, method, u, body)
		if err != nil {
			return err
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < maxRetries {
			if err := sleep(ctx, retryAfter(resp)); err != nil {
				return err
			}
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return responseError(resp, data)
		}
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
		if r, ok := out.(requestIDSetter); ok {
			r.setRequestID(resp.Header.Get("X-Request-Id"))
		}
		return nil
	}
}

// requestIDSetter is an answer that keeps the id of the request it answers,
// for errors it reports in a 2xx answer.
type requestIDSetter interface{ setRequestID(string) }

// headerNonce is a random value signed with every request, so that no two
// requests have the same signature even when they are alike and signed in
// the same second: a signature the server has seen before takes no effect
// again (DMS.00401001).
const headerNonce = "X-Dmsd-Nonce"

// newRequest returns the signed request.
func (c *Client) newRequest(ctx context.Context, method, u string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cred.ProjectID != "" {
		req.Header.Set("X-Project-Id", c.cred.ProjectID)
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	req.Header.Set(headerNonce, hex.EncodeToString(nonce[:]))
	if err := Sign(req, body, c.cred.AccessKey, c.cred.SecretKey, c.now()); err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json") // unsigned, as the SDK leaves it
	return req, nil
}

// retryAfter returns the wait a 429 answer asks for: its Retry-After in
// seconds, 1 s by default, at most maxRetryAfter.
func retryAfter(resp *http.Response) time.Duration {
	d := time.Second
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	}
	return min(d, maxRetryAfter)
}

// sleep waits d, or returns ctx's error when ctx is done first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// responseError returns the *Error of a non-2xx answer whose body is data.
func responseError(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var body struct {
		Code    string `json:"error_code"`
		Message string `json:"error_msg"`
	}
	if json.Unmarshal(data, &body) == nil && (body.Code != "" || body.Message != "") {
		e.Code, e.Message = body.Code, body.Message
		return e
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = strings.ToValidUTF8(msg[:200], "") + "..."
	}
	e.Message = msg
	return e
}

// projectPath returns /v2/{project_id} followed by the escaped segments.
func (c *Client) projectPath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/v2/")
	b.WriteString(url.PathEscape(c.cred.ProjectID))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}
