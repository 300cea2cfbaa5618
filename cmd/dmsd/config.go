package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
)

// config is dmsd's configuration, from flags with environment fallbacks.
type config struct {
	Listen      string
	DataDir     string
	DatabaseURL string
	Credentials string
	LogLevel    string
	ReplicaID   string
	RateLimit   float64
	// ExternalAllow is where external instances may point; empty allows
	// nothing.
	ExternalAllow *dmsd.AllowList
	// Quota limits each project's instances and brokers.
	Quota dmsd.Quota
	// MetricsListen is the address of the metrics listener; "" serves none.
	MetricsListen    string
	MaxConnections   int
	AuthFailureLimit int
	// SecretKeyFile holds the key that seals stored passwords; empty means
	// secret.key in the data dir, generated at the first start.
	SecretKeyFile string
	// RecycleInterval is how often expired instances leave the recycle
	// bin; RecycleDay how long a retention day lasts (24 h; shorter only
	// to test the expiry).
	RecycleInterval time.Duration
	RecycleDay      time.Duration
	// VolumeInterval is how often automatic storage growth looks at the
	// brokers' disk usage.
	VolumeInterval time.Duration
	// DiagnosisInterval is how far apart a backlog diagnosis samples
	// offsets.
	DiagnosisInterval time.Duration
}

// parseConfig reads args, falling back to DMSD_* environment variables and then
// to defaults. It returns flag.ErrHelp for -h.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("dmsd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Listen, "listen", env("DMSD_LISTEN", "127.0.0.1:9780"), "address to serve the API on (DMSD_LISTEN)")
	fs.StringVar(&c.DataDir, "data-dir", env("DMSD_DATA_DIR", "./dmsd-data"), "directory for the database, the generated credentials and the Kafka data (DMSD_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DMSD_DATABASE_URL", ""), "database: sqlite:PATH or postgres://...; default a SQLite file in the data dir (DMSD_DATABASE_URL)")
	fs.StringVar(&c.ReplicaID, "replica-id", env("DMSD_REPLICA_ID", ""), "name of this replica, unique among those sharing a PostgreSQL database; default: generated once in the data dir (DMSD_REPLICA_ID)")
	fs.StringVar(&c.Credentials, "credentials", env("DMSD_CREDENTIALS", ""), "JSON file of access keys; default: generated in the data dir (DMSD_CREDENTIALS)")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", env("DMSD_SECRET_KEY_FILE", ""), "file of the 32-byte key (64 hex digits) that seals stored passwords; default: generated once in the data dir; replicas of one PostgreSQL database need the same (DMSD_SECRET_KEY_FILE)")
	fs.StringVar(&c.LogLevel, "log-level", env("DMSD_LOG_LEVEL", "info"), "debug, info, warn or error (DMSD_LOG_LEVEL)")
	diagnosisInterval, derr := time.ParseDuration(env("DMSD_DIAGNOSIS_INTERVAL", "5s"))
	if derr != nil || diagnosisInterval <= 0 {
		return c, fmt.Errorf("DMSD_DIAGNOSIS_INTERVAL: want a positive duration such as 5s")
	}
	fs.DurationVar(&c.DiagnosisInterval, "diagnosis-interval", diagnosisInterval, "how far apart a message backlog diagnosis samples the group's offsets (DMSD_DIAGNOSIS_INTERVAL)")
	rateLimit := env("DMSD_RATE_LIMIT", "200")
	fs.StringVar(&rateLimit, "rate-limit", rateLimit, "requests per second one access key may send, with bursts of twice that (DMSD_RATE_LIMIT)")
	externalAllow := env("DMSD_EXTERNAL_ALLOW", "")
	fs.StringVar(&externalAllow, "external-allow", externalAllow, "where external instances may point: comma-separated HOST, IP or CIDR, each optionally :PORT or :LOW-HIGH ([IPv6]:PORT); empty allows none (DMSD_EXTERNAL_ALLOW)")
	maxInstances := env("DMSD_MAX_INSTANCES_PER_PROJECT", strconv.Itoa(dmsd.DefaultMaxInstances))
	fs.StringVar(&maxInstances, "max-instances-per-project", maxInstances, "instances one project may have (DMSD_MAX_INSTANCES_PER_PROJECT)")
	maxBrokers := env("DMSD_MAX_BROKERS_PER_PROJECT", strconv.Itoa(dmsd.DefaultMaxBrokers))
	fs.StringVar(&maxBrokers, "max-brokers-per-project", maxBrokers, "brokers the embedded instances of one project may have in all (DMSD_MAX_BROKERS_PER_PROJECT)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", env("DMSD_METRICS_LISTEN", ""), "address to serve Prometheus metrics on, apart from the API (for example 127.0.0.1:9781); default: none (DMSD_METRICS_LISTEN)")
	maxConns := env("DMSD_MAX_CONNECTIONS", "1024")
	fs.StringVar(&maxConns, "max-connections", maxConns, "connections the API listener holds open at once; more wait to be accepted (DMSD_MAX_CONNECTIONS)")
	authFailures := env("DMSD_AUTH_FAILURE_LIMIT", "30")
	fs.StringVar(&authFailures, "auth-failure-limit", authFailures, "failed authentications one client address may have a minute before its requests are refused unchecked (429); 0: no limit (DMSD_AUTH_FAILURE_LIMIT)")
	recycleInterval, recycleDay := env("DMSD_RECYCLE_INTERVAL", "1m"), env("DMSD_RECYCLE_DAY", "24h")
	fs.StringVar(&recycleInterval, "recycle-interval", recycleInterval, "how often instances whose recycle bin retention ended are deleted (DMSD_RECYCLE_INTERVAL)")
	fs.StringVar(&recycleDay, "recycle-day", recycleDay, "how long a day of recycle bin retention lasts; shorten it only to test the expiry (DMSD_RECYCLE_DAY)")
	volumeInterval := env("DMSD_VOLUME_CHECK_INTERVAL", "1m")
	fs.StringVar(&volumeInterval, "volume-check-interval", volumeInterval, "how often the disk usage of instances with automatic storage growth is checked (DMSD_VOLUME_CHECK_INTERVAL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.RateLimit, err = strconv.ParseFloat(rateLimit, 64); err != nil || c.RateLimit <= 0 {
		return c, fmt.Errorf("--rate-limit %q: want a positive number of requests per second", rateLimit)
	}
	if c.ExternalAllow, err = dmsd.ParseAllowList(externalAllow); err != nil {
		return c, fmt.Errorf("--external-allow: %w", err)
	}
	if c.Quota.MaxInstances, err = strconv.Atoi(maxInstances); err != nil || c.Quota.MaxInstances < 1 {
		return c, fmt.Errorf("--max-instances-per-project %q: want a positive number", maxInstances)
	}
	if c.Quota.MaxBrokers, err = strconv.Atoi(maxBrokers); err != nil || c.Quota.MaxBrokers < 1 {
		return c, fmt.Errorf("--max-brokers-per-project %q: want a positive number", maxBrokers)
	}
	if c.MaxConnections, err = strconv.Atoi(maxConns); err != nil || c.MaxConnections <= 0 {
		return c, fmt.Errorf("--max-connections %q: want a positive number", maxConns)
	}
	if c.AuthFailureLimit, err = strconv.Atoi(authFailures); err != nil || c.AuthFailureLimit < 0 {
		return c, fmt.Errorf("--auth-failure-limit %q: want a number of failures a minute, or 0 for no limit", authFailures)
	}
	if c.VolumeInterval, err = time.ParseDuration(volumeInterval); err != nil || c.VolumeInterval <= 0 {
		return c, fmt.Errorf("--volume-check-interval %q: want a positive duration", volumeInterval)
	}
	if c.RecycleInterval, err = time.ParseDuration(recycleInterval); err != nil || c.RecycleInterval <= 0 {
		return c, fmt.Errorf("--recycle-interval %q: want a positive duration", recycleInterval)
	}
	if c.RecycleDay, err = time.ParseDuration(recycleDay); err != nil || c.RecycleDay <= 0 {
		return c, fmt.Errorf("--recycle-day %q: want a positive duration", recycleDay)
	}
	return c, nil
}

// sqlitePath returns the SQLite file the database URL names. It returns an
// error for any other kind of database.
func (c config) sqlitePath() (string, error) {
	u := c.DatabaseURL
	switch {
	case u == "":
		return filepath.Join(c.DataDir, "dmsd.db"), nil
	case strings.HasPrefix(u, "sqlite://"):
		return strings.TrimPrefix(u, "sqlite://"), nil
	case strings.HasPrefix(u, "sqlite:"):
		return strings.TrimPrefix(u, "sqlite:"), nil
	}
	return "", fmt.Errorf("--database-url: unsupported database %q; use sqlite:PATH, postgres://... or leave it empty", redactURL(u))
}

// isPostgres reports whether the database URL names PostgreSQL.
func (c config) isPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// replicaID returns the replica's name: the configured one, or one generated
// at the first start and kept in the data dir, so that a restarted replica
// finds the instances it hosts. It returns an error for a malformed name.
func (c config) replicaID() (string, error) {
	if c.ReplicaID != "" {
		if !dmsd.ValidReplicaID(c.ReplicaID) {
			return "", fmt.Errorf("--replica-id %q: use 1 to 48 lowercase letters and digits, with single - or _ between them", c.ReplicaID)
		}
		return c.ReplicaID, nil
	}
	if !c.isPostgres() {
		// A SQLite database has one process; its name matters to no one.
		return dmsd.DefaultReplica, nil
	}
	path := filepath.Join(c.DataDir, "replica-id")
	if data, err := os.ReadFile(path); err == nil {
		id := strings.TrimSpace(string(data))
		if !dmsd.ValidReplicaID(id) {
			return "", fmt.Errorf("%s: malformed replica id %q", path, id)
		}
		return id, nil
	}
	id := dmsd.NewID()[:12]
	return id, writeFileAtomic(path, []byte(id+"\n"), 0o600)
}

// writeFileAtomic writes data to path through a file renamed into place, so
// that a crash never leaves half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// redactURL drops everything after the scheme, which may hold a password.
func redactURL(u string) string {
	if i := strings.Index(u, ":"); i >= 0 {
		return u[:i] + ":..."
	}
	return "..."
}

type credentialsFile struct {
	Credentials []dmsd.Credential `json:"credentials"`
}

// loadCredentials reads the credentials file at path. It returns an error if
// the file cannot be read, is not valid JSON, holds no credential, holds an
// invalid one, or names an access key twice.
func loadCredentials(path string) ([]dmsd.Credential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f credentialsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Credentials) == 0 {
		return nil, fmt.Errorf("%s: no credentials", path)
	}
	seen := make(map[string]bool)
	for i := range f.Credentials {
		c := &f.Credentials[i]
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %s", path, dmsd.ErrorMessage(err))
		}
		if seen[c.AccessKey] {
			return nil, fmt.Errorf("%s: access key %s appears twice", path, c.AccessKey)
		}
		seen[c.AccessKey] = true
		if c.UserID == "" {
			c.UserID = dmsd.NewID()
		}
		if c.UserName == "" {
			c.UserName = c.AccessKey
		}
	}
	return f.Credentials, nil
}

// generatedCredentials returns the credentials dmsd generated in dataDir,
// generating them on first use with mode 0600. It returns the file's path.
func generatedCredentials(dataDir string) ([]dmsd.Credential, string, error) {
	path := filepath.Join(dataDir, "credentials.json")
	if _, err := os.Stat(path); err == nil {
		creds, err := loadCredentials(path)
		return creds, path, err
	}
	f := credentialsFile{Credentials: []dmsd.Credential{{
		AccessKey: randomString(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
		SecretKey: randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
		ProjectID: dmsd.NewID(),
		UserID:    dmsd.NewID(),
		UserName:  "dmsd-admin",
	}}}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, "", err
	}
	if err := writeFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return nil, "", err
	}
	return f.Credentials, path, nil
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
