package main

import (
	"context"
	"net"
	"strconv"
	"sync"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/kafka"
)

// ownAPI holds the ports of dmsd's API listener: the configured one from the
// start, and the bound one once listening (they differ for port 0).
type ownAPI struct {
	mu    sync.Mutex
	ports []int
}

// reserve adds the port of addr (host:port) unless it is 0 or malformed.
func (a *ownAPI) reserve(addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return
	}
	if p, err := strconv.Atoi(port); err == nil && p > 0 {
		a.mu.Lock()
		a.ports = append(a.ports, p)
		a.mu.Unlock()
	}
}

// ownPorts returns the dmsd.AddressPolicy.OwnPorts of this process: the API's
// ports, those of the embedded clusters running here, and every port recorded
// on an embedded instance of any project and replica (a stopped cluster
// comes back on its ports, and replicas may share a host). It fails, and so
// refuses every address of this host, when the store cannot be read.
func ownPorts(store dmsd.InstanceStore, embedded *kafka.Embedded, api *ownAPI) func(ctx context.Context) (map[int]bool, error) {
	return func(ctx context.Context) (map[int]bool, error) {
		own := map[int]bool{}
		api.mu.Lock()
		for _, p := range api.ports {
			own[p] = true
		}
		api.mu.Unlock()
		for _, p := range embedded.ListeningPorts() {
			own[p] = true
		}
		instances, err := store.ListAllInstances(ctx)
		if err != nil {
			return nil, err
		}
		for _, inst := range instances {
			if inst.External != nil {
				continue
			}
			for _, p := range inst.Ports {
				if p > 0 {
					own[p] = true
				}
			}
		}
		return own, nil
	}
}
