package httpapi

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	kafka "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

const (
	testAccessKey = "HPUATESTSIGNATURE0001"
	testSecretKey = "tEsTsEcReTkEy0123456789abcdefghijklmnopq"
	testProjectID = "0123456789abcdef0123456789abcdef"
	testEndpoint  = "https://dms.example.com"
)

// testSignTime is when the test requests are signed; verifySignature is given
// it (or a time near it) as now.
var testSignTime = time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)

var testCredential = dmsd.Credential{
	AccessKey: testAccessKey,
	SecretKey: testSecretKey,
	ProjectID: testProjectID,
	UserID:    "fedcba9876543210fedcba9876543210",
	UserName:  "tester",
}

// testLookup knows testCredential only.
func testLookup(accessKey string) (dmsd.Credential, bool) {
	if accessKey == testAccessKey {
		return testCredential, true
	}
	return dmsd.Credential{}, false
}

// sdkRequest describes a request as the SDK's generated clients hand it to
// the signer.
type sdkRequest struct {
	Method  string
	Path    string            // unescaped, path parameters filled in, as request.HttpRequestBuilder.WithPath takes it
	Query   map[string]any    // string or []string values; the SDK signs only reflect.Value query parameters
	Headers map[string]string // beyond X-Sdk-Date, X-Project-Id and User-Agent
	Body    any               // a string is sent as is, anything else JSON-encoded by the SDK
}

// signedBySDK signs sr with the SDK's own SDK-HMAC-SHA256 signer as of date,
// with ak and sk, and returns the request as a server receives it (made with
// httptest.NewRequest, headers copied) and its body.
func signedBySDK(tb testing.TB, sr sdkRequest, ak, sk string, date time.Time) (*http.Request, []byte) {
	tb.Helper()
	b := request.NewHttpRequestBuilder().
		WithEndpoint(testEndpoint).
		WithMethod(sr.Method).
		WithPath(sr.Path).
		WithSigningAlgorithm(algorithm.HmacSHA256).
		// The signer takes its time from X-Sdk-Date when the request has one.
		AddHeaderParam(signer.HeaderXDate, date.UTC().Format(signer.BasicDateFormat)).
		AddHeaderParam("X-Project-Id", testProjectID).
		AddHeaderParam("User-Agent", "huaweicloud-usdk-go/3.0")
	for k, v := range sr.Query {
		b.AddQueryParam(k, reflect.ValueOf(v))
	}
	for k, v := range sr.Headers {
		b.AddHeaderParam(k, v)
	}
	if sr.Body != nil {
		b.WithBody("", sr.Body)
	}
	sdkReq := b.Build()

	sn, err := signer.GetSigner(algorithm.HmacSHA256)
	require.NoError(tb, err)
	headers, err := sn.Sign(sdkReq, ak, sk) // X-Sdk-Date and Authorization
	require.NoError(tb, err)
	for k, v := range headers {
		sdkReq.AddHeaderParam(k, v)
	}

	// The *http.Request the SDK would send: URL escaped, query encoded, body serialised.
	out, err := sdkReq.ConvertRequest()
	require.NoError(tb, err)
	body, err := io.ReadAll(out.Body)
	require.NoError(tb, err)

	r := httptest.NewRequest(out.Method, out.URL.RequestURI(), bytes.NewReader(body))
	r.Host = out.URL.Host
	for k, vs := range out.Header {
		r.Header[k] = slices.Clone(vs)
	}
	return r, body
}

// signatureOf returns the Signature parameter of r's Authorization header.
func signatureOf(r *http.Request) string {
	_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
	return sig
}

// signedHeadersOf returns the SignedHeaders parameter of r's Authorization header.
func signedHeadersOf(r *http.Request) string {
	_, s, _ := strings.Cut(r.Header.Get("Authorization"), "SignedHeaders=")
	s, _, _ = strings.Cut(s, ",")
	return s
}

// referenceSignature computes the signature of r the naive way, following the
// SDK's signer.go step by step with the standard library, as a second opinion
// on verifySignature's allocation-free canonicalisation. It returns "" when r
// cannot be canonicalised.
func referenceSignature(r *http.Request, body []byte, signedHeaders, secretKey string) string {
	sdkEscape := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		return b.String()
	}

	segments := strings.Split(r.URL.EscapedPath(), "/")
	for i, s := range segments {
		u, err := url.PathUnescape(s)
		if err != nil {
			return ""
		}
		segments[i] = sdkEscape(u)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}

	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return ""
	}
	var pairs []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range query {
			if !yield(k) {
				return
			}
		}
	}) {
		vs := slices.Clone(query[k])
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, sdkEscape(k)+"="+sdkEscape(v))
		}
	}

	var lines []string
	for _, name := range strings.Split(signedHeaders, ";") {
		vs := r.Header.Values(name)
		if name == "host" {
			vs = []string{r.Host}
		}
		vs = slices.Clone(vs)
		sort.Strings(vs)
		for _, v := range vs {
			lines = append(lines, name+":"+strings.TrimSpace(v))
		}
	}

	bodyHash := fmt.Sprintf("%x", sha256.Sum256(body))
	if vs := r.Header.Values("X-Sdk-Content-Sha256"); len(vs) > 0 {
		bodyHash = vs[0]
	}
	cr := fmt.Sprintf("%s\n%s\n%s\n%s\n%s\n%s", r.Method, uri, strings.Join(pairs, "&"),
		strings.Join(lines, "\n")+"\n", signedHeaders, bodyHash)
	sts := fmt.Sprintf("SDK-HMAC-SHA256\n%s\n%x", r.Header.Get("X-Sdk-Date"), sha256.Sum256([]byte(cr)))
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(sts))
	return hex.EncodeToString(mac.Sum(nil))
}

// roundTripCases are requests the SDK signs that verifySignature must accept.
var roundTripCases = []struct {
	name string
	req  sdkRequest
}{
	{"GetWithQuery", sdkRequest{
		Method: http.MethodGet,
		Path:   "/v2/" + testProjectID + "/instances",
		Query: map[string]any{
			"engine": "kafka",
			"name":   "my instance: ü 名前 a+b=c&d;e/f?g#h%41",
			"offset": "0",
			"limit":  "10",
			"status": "RUNNING",
		},
	}},
	{"GetWithRepeatedKeys", sdkRequest{
		Method: http.MethodGet,
		Path:   "/v2/" + testProjectID + "/instances",
		Query: map[string]any{
			"tag":     []string{"z", "a b", "A", "é", "~"},
			"Ä":       "upper",
			"a":       "lower",
			"~key":    "tilde",
			"empty":   "",
			"space k": "v:w",
		},
	}},
	{"GetRoot", sdkRequest{Method: http.MethodGet, Path: "/"}},
	{"GetTrailingSlash", sdkRequest{Method: http.MethodGet, Path: "/v2/" + testProjectID + "/instances/"}},
	{"Delete", sdkRequest{
		Method: http.MethodDelete,
		Path:   "/v2/" + testProjectID + "/instances/7e6b3f1c-9a5d-4e2b-8f4a-1c2d3e4f5a6b",
	}},
	{"PathWithEscapedCharacters", sdkRequest{
		Method: http.MethodGet,
		Path:   "/v2/" + testProjectID + "/instances/a b:c@d+e;f,g=h$&'(x)*!é~%41%2F",
	}},
	{"PostJSON", sdkRequest{
		Method:  http.MethodPost,
		Path:    "/v2/" + testProjectID + "/instances/action",
		Headers: map[string]string{"Content-Type": "application/json;charset=UTF-8"},
		Body: map[string]any{
			"action":    "delete",
			"instances": []string{"7e6b3f1c-9a5d-4e2b-8f4a-1c2d3e4f5a6b"},
			"note":      "<&> ü",
		},
	}},
	{"ExtraSignedHeaders", sdkRequest{
		Method:  http.MethodGet,
		Path:    "/v2/" + testProjectID + "/instances",
		Headers: map[string]string{"X-Trace-Id": "  padded value  ", "Host": "dms.example.com"},
	}},
}

func TestVerifySignature_SDKRoundTrip(t *testing.T) {
	t.Parallel()

	for _, tc := range roundTripCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			r, body := signedBySDK(t, tc.req, testAccessKey, testSecretKey, testSignTime)
			cred, err := verifySignature(r, body, testLookup, testSignTime)
			require.NoError(t, err)
			require.Equal(t, testCredential, cred)
			require.Equal(t, signatureOf(r), referenceSignature(r, body, signedHeadersOf(r), testSecretKey))
		})
	}
}

// TestVerifySignature_KafkaClient sends requests with the SDK's generated DMS
// for Kafka v2 client to a server that verifies them.
func TestVerifySignature_KafkaClient(t *testing.T) {
	t.Parallel()

	var mu sync.Mutex
	var errs []error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			_, err = verifySignature(r, body, testLookup, time.Now())
		}
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)

	cred, err := basic.NewCredentialsBuilder().
		WithAk(testAccessKey).WithSk(testSecretKey).WithProjectId(testProjectID).SafeBuild()
	require.NoError(t, err)
	hc, err := kafka.KafkaClientBuilder().WithEndpoints([]string{srv.URL}).WithCredential(cred).SafeBuild()
	require.NoError(t, err)
	client := kafka.NewKafkaClient(hc)

	name, limit := "my instance: ü+&=", "10"
	_, err = client.ListInstances(&model.ListInstancesRequest{
		Engine: model.GetListInstancesRequestEngineEnum().KAFKA,
		Name:   &name,
		Limit:  &limit,
	})
	require.NoError(t, err)
	_, err = client.ShowInstance(&model.ShowInstanceRequest{InstanceId: "a b:é%41"})
	require.NoError(t, err)
	_, err = client.DeleteInstance(&model.DeleteInstanceRequest{InstanceId: "7e6b3f1c-9a5d-4e2b-8f4a-1c2d3e4f5a6b"})
	require.NoError(t, err)
	_, err = client.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{
		Body: &model.BatchRestartOrDeleteInstanceReq{
			Instances: &[]string{"7e6b3f1c-9a5d-4e2b-8f4a-1c2d3e4f5a6b"},
			Action:    model.GetBatchRestartOrDeleteInstanceReqActionEnum().DELETE,
		},
	})
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, errs, 4)
	for _, err := range errs {
		require.NoError(t, err)
	}
}

func TestVerifySignature_Rejects(t *testing.T) {
	t.Parallel()

	listReq := sdkRequest{
		Method: http.MethodGet,
		Path:   "/v2/" + testProjectID + "/instances",
		Query:  map[string]any{"engine": "kafka", "limit": "10", "name": "a b"},
	}
	postReq := sdkRequest{
		Method:  http.MethodPost,
		Path:    "/v2/" + testProjectID + "/instances/action",
		Headers: map[string]string{"Content-Type": "application/json"},
		Body:    map[string]any{"action": "delete", "instances": []string{"x"}},
	}
	original := `{"description":"original"}`
	originalSum := sha256.Sum256([]byte(original))
	declaredReq := sdkRequest{
		Method:  http.MethodPut,
		Path:    "/v2/" + testProjectID + "/instances/x",
		Headers: map[string]string{"Content-Type": "application/json", "X-Sdk-Content-Sha256": hex.EncodeToString(originalSum[:])},
		Body:    original,
	}
	declaredUpperReq := declaredReq
	declaredUpperReq.Headers = map[string]string{"Content-Type": "application/json", "X-Sdk-Content-Sha256": strings.ToUpper(hex.EncodeToString(originalSum[:]))}
	replaceAuth := func(old, new string) func(*http.Request, []byte) []byte {
		return func(r *http.Request, body []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
			return body
		}
	}
	setAuth := func(auth string) func(*http.Request, []byte) []byte {
		return func(r *http.Request, body []byte) []byte {
			r.Header.Set("Authorization", auth)
			return body
		}
	}

	tests := []struct {
		name   string
		req    sdkRequest
		ak, sk string                                    // default testAccessKey, testSecretKey
		mutate func(r *http.Request, body []byte) []byte // returns the body to verify
		now    time.Time                                 // default testSignTime
		code   string                                    // "" for success
	}{
		{name: "MissingAuthorization", req: listReq, code: dmsd.ETOKENMISSING,
			mutate: func(r *http.Request, body []byte) []byte { r.Header.Del("Authorization"); return body }},
		{name: "EmptyAuthorization", req: listReq, code: dmsd.ETOKENMISSING, mutate: setAuth("")},
		{name: "TamperedBody", req: postReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { return bytes.Replace(body, []byte(`"x"`), []byte(`"y"`), 1) }},
		{name: "TamperedQueryValue", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=10", "limit=11", 1)
				return body
			}},
		{name: "AddedQueryParameter", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.URL.RawQuery += "&offset=5"; return body }},
		{name: "QueryWithSemicolon", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.URL.RawQuery += ";x=1"; return body }},
		{name: "TamperedPath", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				r.URL.Path, r.URL.RawPath = "/v2/fedcba9876543210fedcba9876543210/instances", ""
				return body
			}},
		{name: "TamperedMethod", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.Method = http.MethodDelete; return body }},
		{name: "TamperedSignedHeader", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.Header.Set("X-Project-Id", "other"); return body }},
		{name: "SignedHeaderMissing", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.Header.Del("X-Project-Id"); return body }},
		{name: "SignedHeaderRepeated", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.Header.Add("X-Project-Id", "other"); return body }},
		{name: "UnsignedContentHash", req: postReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				r.Header.Set("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
				return []byte("anything")
			}},
		// A body is covered by the signature, through its hash: declared or not.
		{name: "PutUnsignedPayload", code: dmsd.ETOKENINVALID, req: sdkRequest{ // the SDK signs "UNSIGNED-PAYLOAD" for a non-JSON body
			Method:  http.MethodPut,
			Path:    "/v2/" + testProjectID + "/instances/x",
			Headers: map[string]string{"Content-Type": "text/plain"},
			Body:    "plain text body",
		}},
		{name: "UnsignedPayloadWithoutBody", req: sdkRequest{Method: http.MethodGet, Path: listReq.Path,
			Headers: map[string]string{"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}}},
		{name: "DeclaredBodyHash", req: declaredReq},
		{name: "DeclaredBodyHashOtherBody", req: declaredReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { return []byte(`{"description":"changed!"}`) }},
		{name: "DeclaredBodyHashUppercase", req: declaredUpperReq},
		{name: "DeclaredBodyHashMalformed", code: dmsd.ETOKENINVALID, req: sdkRequest{Method: http.MethodPut, Path: declaredReq.Path,
			Headers: map[string]string{"Content-Type": "application/json", "X-Sdk-Content-Sha256": "sha256-of-the-body"}, Body: `{}`}},
		{name: "WrongSecret", req: listReq, sk: "another-secret", code: dmsd.ETOKENINVALID},
		{name: "UnknownAccessKey", req: listReq, ak: "UNKNOWNACCESSKEY", code: dmsd.ETOKENINVALID},
		{name: "DateNotSigned", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth(";x-sdk-date", "")},
		{name: "SignedHeaderNotInRequest", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("x-project-id", "x-absent")},
		{name: "OtherAlgorithm", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("SDK-HMAC-SHA256", "SDK-HMAC-SM3")},
		{name: "LowercaseAlgorithm", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("SDK-HMAC-SHA256", "sdk-hmac-sha256")},
		{name: "Bearer", req: listReq, code: dmsd.ETOKENINVALID, mutate: setAuth("Bearer abc.def.ghi")},
		{name: "AlgorithmOnly", req: listReq, code: dmsd.ETOKENINVALID, mutate: setAuth("SDK-HMAC-SHA256")},
		{name: "AlgorithmAndSpace", req: listReq, code: dmsd.ETOKENINVALID, mutate: setAuth("SDK-HMAC-SHA256 ")},
		{name: "NoAccess", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("Access="+testAccessKey+", ", "")},
		{name: "EmptyAccess", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("Access="+testAccessKey, "Access=")},
		{name: "NoSignature", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				auth, _, _ := strings.Cut(r.Header.Get("Authorization"), ", Signature=")
				r.Header.Set("Authorization", auth)
				return body
			}},
		{name: "RepeatedParameter", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth(", Signature=", ", Access=X, Signature=")},
		{name: "UnknownParameter", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth(", Signature=", ", Region=x, Signature=")},
		{name: "ParameterWithoutValue", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth(", Signature=", ", Region, Signature=")},
		{name: "EmptySignedHeaders", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				return replaceAuth("SignedHeaders="+signedHeadersOf(r), "SignedHeaders=")(r, body)
			}},
		{name: "SignedHeadersTrailingSemicolon", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("x-sdk-date", "x-sdk-date;")},
		{name: "SignedHeadersEmptyName", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("x-sdk-date", ";x-sdk-date")},
		{name: "SignedHeadersUppercase", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("x-sdk-date", "X-Sdk-Date")},
		{name: "SignedHeadersNotToken", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("x-sdk-date", "x-sdk-date;a:b")},
		{name: "SignedHeadersUnsorted", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("user-agent;x-project-id", "x-project-id;user-agent")},
		{name: "SignedHeadersRepeated", req: listReq, code: dmsd.ETOKENINVALID, mutate: replaceAuth("user-agent;", "user-agent;user-agent;")},
		{name: "SignatureUppercase", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				sig := signatureOf(r)
				return replaceAuth(sig, strings.ToUpper(sig))(r, body)
			}},
		{name: "SignatureTruncated", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				sig := signatureOf(r)
				return replaceAuth(sig, sig[:62])(r, body)
			}},
		{name: "SignatureNotHex", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				sig := signatureOf(r)
				return replaceAuth(sig, "zz"+sig[2:])(r, body)
			}},
		{name: "SignatureFlipped", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				sig := []byte(signatureOf(r))
				if sig[63] == '0' {
					sig[63] = '1'
				} else {
					sig[63] = '0'
				}
				return replaceAuth(signatureOf(r), string(sig))(r, body)
			}},
		{name: "RepeatedAuthorization", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				r.Header.Add("Authorization", r.Header.Get("Authorization"))
				return body
			}},
		{name: "DateMalformed", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				r.Header.Set("X-Sdk-Date", "2026-11-27T04:00:00Z")
				return body
			}},
		{name: "DateFractionalSeconds", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte {
				r.Header.Set("X-Sdk-Date", "20261127T040000.5Z")
				return body
			}},
		{name: "DateRepeated", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.Header.Add("X-Sdk-Date", "20261127T040000Z"); return body }},
		{name: "DateTampered", req: listReq, code: dmsd.ETOKENINVALID,
			mutate: func(r *http.Request, body []byte) []byte { r.Header.Set("X-Sdk-Date", "20261127T040001Z"); return body }},
		{name: "DateOlderThanSkew", req: listReq, now: testSignTime.Add(maxSkew + time.Second), code: dmsd.ETOKENEXPIRED},
		{name: "DateAnHourOld", req: listReq, now: testSignTime.Add(time.Hour), code: dmsd.ETOKENEXPIRED},
		{name: "Date16MinutesInFuture", req: listReq, now: testSignTime.Add(-16 * time.Minute), code: dmsd.ETOKENEXPIRED},
		{name: "DateAtSkewInPast", req: listReq, now: testSignTime.Add(maxSkew)},
		{name: "DateAtSkewInFuture", req: listReq, now: testSignTime.Add(-maxSkew)},
		{name: "DateWithinSkew", req: listReq, now: testSignTime.Add(14*time.Minute + 59*time.Second)},
		{name: "ExpiredEvenIfSignatureWrong", req: listReq, sk: "another-secret", now: testSignTime.Add(time.Hour), code: dmsd.ETOKENEXPIRED},
		{name: "TrailingSlashAdded", req: listReq, // not covered by the signature, as in the SDK
			mutate: func(r *http.Request, body []byte) []byte { r.URL.Path += "/"; return body }},
		{name: "QueryReordered", req: listReq, // not covered by the signature, as in the SDK
			mutate: func(r *http.Request, body []byte) []byte {
				pairs := strings.Split(r.URL.RawQuery, "&")
				slices.Reverse(pairs)
				r.URL.RawQuery = strings.Join(pairs, "&")
				return body
			}},
		{name: "UnsignedHeaderChanged", req: listReq,
			mutate: func(r *http.Request, body []byte) []byte { r.Header.Set("Accept", "text/plain"); return body }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			ak, sk, now := cmp.Or(tc.ak, testAccessKey), cmp.Or(tc.sk, testSecretKey), tc.now
			if now.IsZero() {
				now = testSignTime
			}
			r, body := signedBySDK(t, tc.req, ak, sk, testSignTime)
			sig := signatureOf(r)
			if tc.mutate != nil {
				body = tc.mutate(r, body)
			}

			cred, err := verifySignature(r, body, testLookup, now)
			if tc.code == "" {
				require.NoError(t, err)
				require.Equal(t, testCredential, cred)
				return
			}
			require.Error(t, err)
			var dErr *dmsd.Error
			require.ErrorAs(t, err, &dErr)
			require.Equal(t, tc.code, dErr.Code, dErr.Message)
			require.Equal(t, dmsd.Credential{}, cred)
			// The message is a short sentence that leaks nothing.
			require.NotContains(t, dErr.Message, sig)
			require.NotContains(t, dErr.Message, testSecretKey)
			require.NotContains(t, dErr.Message, "\n")
			require.Less(t, len(dErr.Message), 100)
		})
	}
}

func TestVerifySignature_LookupNotCalledForBadRequests(t *testing.T) {
	t.Parallel()

	r, body := signedBySDK(t, sdkRequest{Method: http.MethodGet, Path: "/v2/x/instances"}, testAccessKey, testSecretKey, testSignTime)
	called := false
	lookup := func(string) (dmsd.Credential, bool) { called = true; return testCredential, true }
	_, err := verifySignature(r, body, lookup, testSignTime.Add(time.Hour))
	require.Equal(t, dmsd.ETOKENEXPIRED, dmsd.ErrorCode(err))
	require.False(t, called)
}

func TestVerifySignature_EmptySecretNeverVerifies(t *testing.T) {
	t.Parallel()

	r, body := signedBySDK(t, sdkRequest{Method: http.MethodGet, Path: "/v2/x/instances"}, testAccessKey, "x", testSignTime)
	// Recompute with an empty key, as a client would to exploit a credential without a secret.
	sig := signatureOf(r)
	auth := strings.Replace(r.Header.Get("Authorization"), sig, referenceSignature(r, body, signedHeadersOf(r), ""), 1)
	r.Header.Set("Authorization", auth)
	lookup := func(string) (dmsd.Credential, bool) { return dmsd.Credential{AccessKey: testAccessKey}, true }
	_, err := verifySignature(r, body, lookup, testSignTime)
	require.Equal(t, dmsd.ETOKENINVALID, dmsd.ErrorCode(err))
}

func TestVerifySignature_CanonicalHeaderKey(t *testing.T) {
	t.Parallel()

	for _, name := range []string{"x-sdk-date", "x-project-id", "user-agent", "a", "-a-", "x_y-z", "0abc-9def", "a--b", "x.y~z|w"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, textproto.CanonicalMIMEHeaderKey(name), string(canonicalHeaderKey(nil, name)))
		})
	}
}

// fuzzOriginal is what a seed request was signed with: a request that
// verifies must carry exactly this, up to what the signature does not cover.
type fuzzOriginal struct {
	path  string
	query url.Values
	date  string
}

// sortedQuery parses q and sorts each key's values: the SDK's signature does
// not cover the order of parameters.
func sortedQuery(tb testing.TB, q string) url.Values {
	v, err := url.ParseQuery(q)
	require.NoError(tb, err)
	for _, vs := range v {
		sort.Strings(vs)
	}
	return v
}

func FuzzVerifySignature(f *testing.F) {
	seeds := []sdkRequest{
		{Method: http.MethodGet, Path: "/v2/" + testProjectID + "/instances",
			Query: map[string]any{"engine": "kafka", "name": "a b:ü+&=;", "limit": "10", "offset": "0"}},
		{Method: http.MethodGet, Path: "/v2/" + testProjectID + "/instances",
			Query: map[string]any{"tag": []string{"b", "a", "a"}, "empty": ""}},
		{Method: http.MethodGet, Path: "/v2/" + testProjectID + "/instances/a b:c@d+e;é~%41%2F/"},
		{Method: http.MethodGet, Path: "/"},
	}
	originals := map[string]fuzzOriginal{}
	for _, sr := range seeds {
		r, _ := signedBySDK(f, sr, testAccessKey, testSecretKey, testSignTime)
		originals[signatureOf(r)] = fuzzOriginal{r.URL.Path, sortedQuery(f, r.URL.RawQuery), r.Header.Get("X-Sdk-Date")}
		f.Add(r.Header.Get("Authorization"), r.Header.Get("X-Sdk-Date"), r.URL.EscapedPath(), r.URL.RawQuery)
	}

	f.Fuzz(func(t *testing.T, auth, date, path, query string) {
		u := &url.URL{RawQuery: query}
		if p, err := url.PathUnescape(path); err == nil {
			u.Path, u.RawPath = p, path
		} else {
			u.Path = path
		}
		r := &http.Request{
			Method: http.MethodGet,
			URL:    u,
			Host:   "dms.example.com",
			Header: http.Header{
				"Authorization": {auth},
				"X-Sdk-Date":    {date},
				"X-Project-Id":  {testProjectID},
				"User-Agent":    {"huaweicloud-usdk-go/3.0"},
			},
		}

		cred, err := verifySignature(r, nil, testLookup, testSignTime)
		if err != nil {
			code := dmsd.ErrorCode(err)
			require.Contains(t, []string{dmsd.ETOKENMISSING, dmsd.ETOKENINVALID, dmsd.ETOKENEXPIRED}, code)
			return
		}
		require.Equal(t, testCredential, cred)

		// It verified: the signature must be the one the secret gives, and
		// the request must carry what one of the seeds was signed with.
		sig := signatureOf(r)
		require.Equal(t, sig, referenceSignature(r, nil, signedHeadersOf(r), testSecretKey))
		orig, ok := originals[sig]
		require.True(t, ok, "a request verified with a signature that no seed has")
		require.Equal(t, strings.TrimSuffix(orig.path, "/"), strings.TrimSuffix(r.URL.Path, "/"))
		require.Equal(t, orig.query, sortedQuery(t, r.URL.RawQuery))
		require.Equal(t, orig.date, date)
	})
}

func BenchmarkVerifySignature(b *testing.B) {
	r, body := signedBySDK(b, sdkRequest{
		Method: http.MethodGet,
		Path:   "/v2/" + testProjectID + "/instances",
		Query:  map[string]any{"engine": "kafka", "name": "my instance", "limit": "10", "offset": "0", "status": "RUNNING"},
	}, testAccessKey, testSecretKey, testSignTime)

	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifySignature(r, body, testLookup, testSignTime); err != nil {
			b.Fatal(err)
		}
	}
}
