package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/dmsd/dmsd/secret"
)

// lockFileName is the file in the data dir that the serving process holds
// an exclusive lock on, with its pid inside.
const lockFileName = "dmsd.lock"

// dirLock is an OS lock (flock) held on a file for the life of the process:
// the kernel drops it when the process exits, however it exits, so a
// SIGKILLed dmsd never leaves a stale lock behind.
type dirLock struct{ f *os.File }

// lockDataDir takes the exclusive lock of the data dir (dir/dmsd.lock) and
// writes this process's pid into the lock file. It returns an error naming
// the data dir and the pid of the process that holds it if another process
// does, and an error if the lock file cannot be opened.
func lockDataDir(dir string) (*dirLock, error) {
	return lockFile(filepath.Join(dir, lockFileName), "data dir "+dir)
}

// lockFile takes the exclusive lock of path, for the thing what names. It
// returns an error naming the holder's pid when another process holds it.
func lockFile(path, what string) (*dirLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := "another process"
		if data, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); perr == nil && pid > 0 {
				holder = "dmsd process " + strconv.Itoa(pid)
			}
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by %s (it holds %s): stop it first, or give this process another --data-dir", what, holder, path)
		}
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	// The pid is written only once the lock is ours, so the file never names
	// a process that merely tried.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// release drops the lock. It is safe to call on a nil lock.
func (l *dirLock) release() {
	if l != nil && l.f != nil {
		l.f.Close() // Closing the last descriptor drops the flock.
		l.f = nil
	}
}

// restrictFileModes makes new files of this process owner-only (umask 077),
// whatever the mode of the directory they are created in: the database, its
// WAL, the brokers' files and the keys all hold secrets. The umask belongs to
// the whole process; dmsd creates nothing that others should read.
func restrictFileModes() { syscall.Umask(0o077) }

// secureDataDir removes group and other permissions from every file and
// directory below dir (dir itself is the operator's, and only warned about),
// so that files an older dmsd or kfake created 0644 become owner-only. It
// logs a warning when dir itself can be read, entered or written by group or
// others. It returns an error if dir cannot be walked.
func secureDataDir(dir string, logger *slog.Logger) error {
	if info, err := os.Stat(dir); err == nil && info.Mode().Perm()&0o077 != 0 {
		logger.Warn("the data dir is accessible to other users; make it owner-only (chmod 700)", "data_dir", dir, "mode", fmt.Sprintf("%04o", info.Mode().Perm()))
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // Removed meanwhile (a temporary file).
		} else if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(path, perm&^0o077); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	})
}

// secureSQLiteFiles removes group and other permissions from path and from the
// SQLite files beside it (-wal, -shm), which may live outside the data dir.
// Files that do not exist are skipped. It returns the first chmod error.
func secureSQLiteFiles(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&^0o077); err != nil {
				return err
			}
		}
	}
	return nil
}

// prepareDataDir creates the data dir, takes its lock (and the lock of a
// SQLite database kept elsewhere), and makes every file in them owner-only.
// It returns the function that releases the locks. It returns an error,
// having touched nothing but the lock file, if another process holds a lock.
func prepareDataDir(cfg config, logger *slog.Logger) (release func(), err error) {
	restrictFileModes()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	dl, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	locks := []*dirLock{dl}
	release = func() {
		for _, l := range locks {
			l.release()
		}
	}
	if !cfg.isPostgres() {
		if path, err := cfg.sqlitePath(); err == nil {
			if !within(cfg.DataDir, path) {
				// Two processes on different data dirs must not share
				// one database either.
				l, err := lockFile(path+".lock", "database "+path)
				if err != nil {
					release()
					return nil, err
				}
				locks = append(locks, l)
			}
			if err := secureSQLiteFiles(path); err != nil {
				release()
				return nil, err
			}
		}
	}
	if err := secureDataDir(cfg.DataDir, logger); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// within reports whether path lies in dir (both taken as absolute).
func within(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// secretKeyFileName is the generated key file in the data dir.
const secretKeyFileName = "secret.key"

// openSecretBox returns the box that seals stored passwords, with the path of
// its key file: the configured file, which must exist, or secret.key in the
// data dir, generated (mode 0600) at the first start. It returns an error if
// the file cannot be read, created or does not hold a key.
func openSecretBox(cfg config, logger *slog.Logger) (*secret.Box, string, error) {
	if cfg.SecretKeyFile != "" {
		if info, err := os.Stat(cfg.SecretKeyFile); err == nil && info.Mode().Perm()&0o077 != 0 {
			logger.Warn("the secret key file is accessible to other users; make it owner-only (chmod 600)", "file", cfg.SecretKeyFile, "mode", fmt.Sprintf("%04o", info.Mode().Perm()))
		}
		box, err := secret.LoadKeyFile(cfg.SecretKeyFile)
		return box, cfg.SecretKeyFile, err
	}
	path := filepath.Join(cfg.DataDir, secretKeyFileName)
	box, created, err := secret.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, "", err
	}
	if created {
		logger.Info("generated the key that seals stored passwords; back it up apart from the database", "file", path, "key_id", box.KeyID())
		if cfg.isPostgres() {
			logger.Warn("every replica of this PostgreSQL database needs this same key: give them all one --secret-key-file, or copy this file to their data dirs", "file", path)
		}
	}
	return box, path, nil
}

// checkSecrets refuses a database whose secrets were sealed with another key
// than box's, and seals the secrets an older dmsd stored in the clear. It
// returns an error naming both keys on a mismatch.
func checkSecrets(ctx context.Context, db database, box *secret.Box, keyPath string, logger *slog.Logger) error {
	recorded, err := db.CheckSecretKey(ctx, box.KeyID())
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	if recorded != box.KeyID() {
		return fmt.Errorf("the database's passwords are sealed with key %s, but %s holds key %s: give this process the key file the database was used with (--secret-key-file; every replica of a PostgreSQL database needs the same)", recorded, keyPath, box.KeyID())
	}
	n, err := db.SealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("seal stored passwords: %w", err)
	}
	if n > 0 {
		logger.Info("sealed the passwords an older dmsd stored in the clear", "instances", n)
	}
	return nil
}
