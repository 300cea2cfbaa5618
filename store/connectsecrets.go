package store

import (
	"errors"

	"github.com/dmsd/dmsd"
)

// sealPeer returns p with its SASL password sealed by the store's box (as
// it is without a box, or when it is sealed already), for the data column.
// It returns an error only if sealing fails.
func (s *Store) sealPeer(p dmsd.ConnectPeer) (dmsd.ConnectPeer, error) {
	if s.secrets == nil || p.Password == "" || dmsd.IsSealed(p.Password) {
		return p, nil
	}
	sealed, err := s.secrets.Seal(p.Password)
	if err != nil {
		return p, err
	}
	p.Password = sealed
	return p, nil
}

// openConnectTask returns a decoded task with its peer's password opened,
// for a caller outside the store. It returns err as it is, and an error for
// a password sealed with another key or with no key configured.
func (s *Store) openConnectTask(t *dmsd.ConnectTask, err error) (*dmsd.ConnectTask, error) {
	if err != nil || !dmsd.IsSealed(t.Peer.Password) {
		return t, err
	}
	if s.secrets == nil {
		return nil, errors.New(t.String() + ": its peer's password is sealed and no secret key is configured")
	}
	plain, err := s.secrets.Open(t.Peer.Password)
	if err != nil {
		return nil, errors.New(t.String() + ": " + err.Error())
	}
	t.Peer.Password = plain
	return t, nil
}
