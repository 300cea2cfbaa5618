package replicate

import "github.com/dmsd/dmsd"

// peerLogin returns the peer instance inst as the task logs in to it: inst
// itself (dmsd's own login, its access user) without a login of the task's,
// otherwise a copy whose access user is the task's user with only the
// task's mechanism, so that the instance's listeners, TLS included, are
// reached as that user. dmsd.ConnectPeer.LoginFor checked at creation that
// inst enables the mechanism.
func peerLogin(inst *dmsd.Instance, p *dmsd.ConnectPeer) *dmsd.Instance {
	if !p.HasLogin() {
		return inst
	}
	c := *inst
	c.AccessUser, c.AccessPassword, c.SASLMechanisms = p.UserName, p.Password, []string{p.SASLMechanism}
	return &c
}

// peerCluster returns a peer given by bootstrap servers with a login as the
// external cluster it is, so that it is reached as external instances are:
// through the address policy, logged in with the task's mechanism (SASL
// over plaintext: dmsd.ConnectPeer.ValidateLogin refuses SASL_SSL there).
func peerCluster(p *dmsd.ConnectPeer) *dmsd.Instance {
	return &dmsd.Instance{ID: "peer " + p.BootstrapServers[0], External: &dmsd.ExternalCluster{
		BootstrapServers: p.BootstrapServers, SASLMechanism: p.SASLMechanism, Username: p.UserName, Password: p.Password,
	}}
}
