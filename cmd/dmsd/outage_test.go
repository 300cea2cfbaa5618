package main

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// tcpProxy forwards connections to a target until it is cut, which drops
// every open connection and refuses new ones, as a network partition would.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]struct{}
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// setCut cuts (true) or restores (false) the link.
func (p *tcpProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// proxiedDatabase returns the URL of the test PostgreSQL database reached
// through a TCP proxy that the test can cut, and the proxy. It skips the test
// when TEST_DATABASE_URL is unset.
func proxiedDatabase(t *testing.T) (string, *tcpProxy) {
	t.Helper()
	u, err := url.Parse(storetest.PostgresURL(t))
	require.NoError(t, err)
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String(), proxy
}

// While PostgreSQL is unreachable requests fail with a clean 503 DMS error,
// and the service recovers by itself when it returns.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	dbURL, proxy := proxiedDatabase(t)
	s := startServer(t, t.TempDir(), "--database-url", dbURL, "--replica-id", "outage")
	c := s.client(0)
	inst := createInstance(t, c, "outage", 1, false)
	id := *inst.InstanceId

	proxy.setCut(true)
	_, err := c.ListBackgroundTasks(&model.ListBackgroundTasksRequest{InstanceId: id})
	requireDMSError(t, err, 503, dmsd.EUNAVAILABLE)
	_, err = c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	requireDMSError(t, err, 503, dmsd.EUNAVAILABLE)

	proxy.setCut(false)
	require.Eventually(t, func() bool {
		_, err := c.ListBackgroundTasks(&model.ListBackgroundTasksRequest{InstanceId: id})
		return err == nil
	}, 30*time.Second, 50*time.Millisecond, "the service did not recover")
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "1", *list.TaskCount, "the refused restart left nothing behind")

	// Tasks run again too.
	_, err = c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	list = listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))})
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *(*list.Tasks)[0].Id).Status)
}
