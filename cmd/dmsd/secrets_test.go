package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

var sharedSecretKey struct {
	once sync.Once
	path string
	err  error
}

// withSharedSecretKey returns args with a --secret-key-file that every test
// server of this test process shares, when args name a PostgreSQL database
// and no key: replicas of one database need one key, as an operator gives
// them. SQLite servers keep the key generated in their data dir.
func withSharedSecretKey(t testing.TB, args []string) []string {
	postgres := slices.ContainsFunc(args, func(a string) bool {
		return strings.HasPrefix(a, "postgres://") || strings.HasPrefix(a, "postgresql://")
	})
	if !postgres || slices.Contains(args, "--secret-key-file") {
		return args
	}
	sharedSecretKey.once.Do(func() {
		dir, err := os.MkdirTemp("", "dmsd-key-")
		if err != nil {
			sharedSecretKey.err = err
			return
		}
		sharedSecretKey.path = filepath.Join(dir, "secret.key")
		sharedSecretKey.err = os.WriteFile(sharedSecretKey.path, []byte(strings.Repeat("5e", 32)+"\n"), 0o600)
	})
	require.NoError(t, sharedSecretKey.err)
	return append(slices.Clip(args), "--secret-key-file", sharedSecretKey.path)
}

// logBuffer is a server's log, written by the server and read by the test.
type logBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// String returns everything logged so far.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// filesHolding returns the files below dir whose bytes contain any of
// secrets.
func filesHolding(t *testing.T, dir string, secrets ...string) []string {
	t.Helper()
	var found []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		require.NoError(t, err)
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				found = append(found, path+" holds "+s)
			}
		}
		return nil
	}))
	return found
}

// openToOthers returns the files and directories below dir (not dir itself)
// that group or others may access.
func openToOthers(t *testing.T, dir string) []string {
	t.Helper()
	var open []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) || path == dir {
			return nil
		}
		if err != nil {
			return err
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		require.NoError(t, err)
		if info.Mode().Perm()&0o077 != 0 && d.Type()&fs.ModeSymlink == 0 {
			open = append(open, fmt.Sprintf("%s %04o", path, info.Mode().Perm()))
		}
		return nil
	}))
	return open
}

// The passwords of a SASL instance and of an external cluster are in no file
// of the data dir (database and WAL included) while dmsd runs and after it
// stops; every file there is owner-only although the data dir was 0755, which
// dmsd warns about; a restart with the same key reads the passwords back; a
// database written by an older dmsd, with a password in the clear, still
// opens and is sealed at the start; another key is refused.
func TestPasswordsSealedAtRest(t *testing.T) {
	t.Parallel()
	const extPassword = "Ext-Secret-7f3a9"
	addrs := startExternalKafka(t, "-brokers", "1", "-scram", "extadmin:"+extPassword)
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Chmod(dir, 0o755)) // whatever the test's umask
	s := startServer(t, dir, "--external-allow", "127.0.0.1")
	require.Contains(t, s.logs.String(), "the data dir is accessible to other users", "a data dir others can read is warned about")
	c := s.client(0)

	sasl := createSASLInstance(t, c, "sealed-sasl")
	req := newCreateRequest("sealed-external", 1, false)
	b, err := json.Marshal(req.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	delete(m, "broker_num")
	m["external"] = map[string]any{"bootstrap_servers": addrs, "sasl_mechanism": "SCRAM-SHA-512", "username": "extadmin", "password": extPassword}
	b, err = json.Marshal(m)
	require.NoError(t, err)
	status, resp := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances",
		body: string(b), headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, resp)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &created))
	ext := waitInstance(t, c, created.InstanceID, string(dmsd.InstanceRunning))

	// dmsd connects with both passwords...
	useBoth := func(c *kafkasdk.KafkaClient) {
		t.Helper()
		for _, id := range []string{*sasl.InstanceId, *ext.InstanceId} {
			_, err := c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id})
			require.NoError(t, err, "dmsd logs in to instance %s", id)
		}
	}
	useBoth(c)
	// ...and no file holds them, the WAL of the running database included.
	_, err = os.Stat(filepath.Join(dir, "dmsd.db-wal"))
	require.NoError(t, err, "the database runs in WAL mode")
	require.Empty(t, filesHolding(t, dir, accessPassword, extPassword))
	require.Empty(t, openToOthers(t, dir))
	info, err := os.Stat(filepath.Join(dir, "secret.key"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	s.stop()
	require.Empty(t, filesHolding(t, dir, accessPassword, extPassword))
	require.Empty(t, openToOthers(t, dir))

	// The same key reads them back: the SASL instance still takes its user.
	s = startServer(t, dir, "--external-allow", "127.0.0.1")
	c = s.client(0)
	useBoth(c)
	sasl = waitInstance(t, c, *sasl.InstanceId, string(dmsd.InstanceRunning))
	require.NoError(t, scramClient(t, sasl, accessUser, accessPassword).Ping(context.Background()))
	s.stop()

	// A database an older dmsd wrote holds the password in the clear: it
	// opens, and the start seals it.
	db, err := sql.Open("sqlite", filepath.Join(dir, "dmsd.db"))
	require.NoError(t, err)
	var data []byte
	require.NoError(t, db.QueryRow(`SELECT data FROM instances WHERE id = ?`, *sasl.InstanceId).Scan(&data))
	var stored map[string]any
	require.NoError(t, json.Unmarshal(data, &stored))
	require.True(t, dmsd.IsSealed(stored["AccessPassword"].(string)), "stored sealed: %v", stored["AccessPassword"])
	stored["AccessPassword"] = accessPassword
	data, err = json.Marshal(stored)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE instances SET data = ? WHERE id = ?`, data, *sasl.InstanceId)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	require.NotEmpty(t, filesHolding(t, dir, accessPassword), "the test wrote the password in the clear")
	s = startServer(t, dir, "--log-level", "info", "--external-allow", "127.0.0.1")
	require.Contains(t, s.logs.String(), "sealed the passwords an older dmsd stored in the clear")
	useBoth(s.client(0))
	require.Empty(t, filesHolding(t, dir, accessPassword, extPassword))
	s.stop()

	// Another key cannot open them: the start is refused, naming both keys.
	other := filepath.Join(t.TempDir(), "other.key")
	require.NoError(t, os.WriteFile(other, []byte(strings.Repeat("ab", 32)), 0o600))
	var out bytes.Buffer
	err = run(context.Background(), []string{"--listen", "127.0.0.1:0", "--data-dir", dir, "--credentials", filepath.Join(dir, "test-credentials.json"),
		"--secret-key-file", other}, func(string) string { return "" }, &out, &out)
	require.ErrorContains(t, err, "the database's passwords are sealed with key ")
	require.NotContains(t, out.String(), "listening")
}
