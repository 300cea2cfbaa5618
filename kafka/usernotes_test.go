package kafka

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// memInstances is an InstanceStore of one project in memory.
type memInstances map[string]*dmsd.Instance

func (m memInstances) FindInstance(_ context.Context, _, id string) (*dmsd.Instance, error) {
	inst, ok := m[id]
	if !ok {
		return nil, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	c := *inst
	return &c, nil
}
func (m memInstances) ListInstances(context.Context, string) ([]*dmsd.Instance, error) {
	return nil, nil
}
func (m memInstances) ListAllInstances(context.Context) ([]*dmsd.Instance, error) {
	var out []*dmsd.Instance
	for _, inst := range m {
		c := *inst
		out = append(out, &c)
	}
	return out, nil
}
func (m memInstances) UpdateInstance(_ context.Context, inst *dmsd.Instance) error {
	c := *inst
	m[inst.ID] = &c
	return nil
}
func (m memInstances) ModifyInstance(ctx context.Context, projectID, id string, change func(*dmsd.Instance) error) error {
	inst, err := m.FindInstance(ctx, projectID, id)
	if err != nil {
		return err
	}
	if err := change(inst); err != nil {
		if errors.Is(err, dmsd.ErrUnchanged) {
			return nil
		}
		return err
	}
	m[id] = inst
	return nil
}
func (m memInstances) DeleteInstance(_ context.Context, id string) error { delete(m, id); return nil }

// The users.json of an earlier version is imported into the instance record
// once: a note the record has wins, and a user deleted after the import
// does not come back at the next start.
func TestImportUserNotes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	created := time.UnixMilli(1700000000000).UTC()
	store := memInstances{"inst-1": {ID: "inst-1", UserNotes: map[string]dmsd.UserNote{"kept": {Description: "from the record"}}}}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "inst-1"), 0o700))
	file := filepath.Join(dir, "inst-1", "users.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"old":{"description":"from the file","created_ms":1700000000000},"kept":{"description":"stale"}}`), 0o600))
	e := NewEmbedded(dir, nil)
	ctx := context.Background()

	require.NoError(t, e.ImportUserNotes(ctx, store))
	require.Equal(t, map[string]dmsd.UserNote{
		"old":  {Description: "from the file", CreatedAt: created},
		"kept": {Description: "from the record"},
	}, store["inst-1"].UserNotes)
	_, err := os.Stat(file)
	require.ErrorIs(t, err, os.ErrNotExist, "the file is renamed once imported")

	delete(store["inst-1"].UserNotes, "old")
	require.NoError(t, e.ImportUserNotes(ctx, store))
	require.NotContains(t, store["inst-1"].UserNotes, "old")
}
