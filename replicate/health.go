package replicate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kgo"
)

// How the sides of a flow are watched while it copies: franz-go retries a
// fetch from, or a produce to, brokers that went away for as long as it is
// let, so without a watch a flow whose peer is gone would wait, RUNNING,
// forever. A side is pinged every healthEvery, each ping bounded by
// healthTimeout; healthMisses failed pings in a row end the flow's copying
// with the side's error, which puts the task in ERROR with that reason until
// a new attempt copies again.
const (
	healthEvery   = time.Second
	healthTimeout = 3 * time.Second
	healthMisses  = 3
)

// errSideAway is the error a flow ends with when a side stops answering.
type errSideAway struct {
	side  string // "source" or "target"
	peer  bool
	login bool // the side is the peer, logged in to as the task's user
	err   error
}

func (e *errSideAway) Error() string {
	who, what := "this instance", "cannot be reached"
	if e.peer {
		who = "the peer"
	}
	if e.login {
		// A refused SASL login often shows as a closed connection only.
		what = "cannot be reached or refused the task's login"
	}
	return fmt.Sprintf("the %s cluster (%s) %s: %v; retrying until it answers", e.side, who, what, e.err)
}

func (e *errSideAway) Unwrap() error { return e.err }

// copyWatched runs copyFlow while both sides of the flow answer pings. It
// returns copyFlow's error, or the errSideAway of the side that stopped
// answering, or nil once ctx ends.
func (w *Worker) copyWatched(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, sh share) error {
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		w.watchSides(fctx, t, f, cancel)
	}()
	err := w.copyFlow(fctx, t, f, sh)
	cancel(nil)
	<-watched
	var away *errSideAway
	if cause := context.Cause(fctx); ctx.Err() == nil && errors.As(cause, &away) {
		return away
	}
	if err != nil && ctx.Err() == nil {
		// Say which side failed, if one does not answer now.
		if away := w.checkSides(ctx, t, f); away != nil {
			return away
		}
	}
	return err
}

// checkSides pings each side of the flow once and returns the errSideAway
// of the first that does not answer, or nil.
func (w *Worker) checkSides(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow) *errSideAway {
	srcOpts, dstOpts, err := w.sides(ctx, t, f)
	if err != nil {
		return nil
	}
	for _, s := range flowSides(t, f, srcOpts, dstOpts) {
		cl, err := kgo.NewClient(s.opts...)
		if err != nil {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, healthTimeout)
		err = cl.Ping(pctx)
		cancel()
		cl.Close()
		if err != nil && ctx.Err() == nil {
			return s.away(err)
		}
	}
	return nil
}

// side is one side of a flow, as watchSides and checkSides ping it.
type side struct {
	name        string
	peer, login bool
	opts        []kgo.Opt
}

func (s side) away(err error) *errSideAway {
	return &errSideAway{side: s.name, peer: s.peer, login: s.login, err: err}
}

// flowSides returns the flow's source and target sides.
func flowSides(t *dmsd.ConnectTask, f *dmsd.ConnectFlow, srcOpts, dstOpts []kgo.Opt) []side {
	login := t.Peer.HasLogin()
	return []side{
		{name: "source", peer: f.FromPeer, login: f.FromPeer && login, opts: srcOpts},
		{name: "target", peer: !f.FromPeer, login: !f.FromPeer && login, opts: dstOpts},
	}
}

// watchSides pings the flow's source and target with clients of their own
// until ctx ends, and calls stop with the errSideAway of the first side
// that missed healthMisses pings in a row. A side whose options cannot be
// had is not watched: copyFlow fails on it by itself.
func (w *Worker) watchSides(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, stop context.CancelCauseFunc) {
	srcOpts, dstOpts, err := w.sides(ctx, t, f)
	if err != nil {
		return
	}
	type watched struct {
		side
		cl     *kgo.Client
		missed int
	}
	var sides []*watched
	for _, s := range flowSides(t, f, srcOpts, dstOpts) {
		cl, err := kgo.NewClient(s.opts...)
		if err != nil {
			continue
		}
		defer cl.Close()
		sides = append(sides, &watched{side: s, cl: cl})
	}
	tick := time.NewTicker(healthEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, s := range sides {
			pctx, cancel := context.WithTimeout(ctx, healthTimeout)
			err := s.cl.Ping(pctx)
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				s.missed = 0
				continue
			}
			if s.missed++; s.missed >= healthMisses {
				stop(s.away(err))
				return
			}
		}
	}
}
