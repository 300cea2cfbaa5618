package dmsd

import "slices"

// PeerPlaintext is the security protocol of a replication peer reached
// without SASL and without TLS.
const PeerPlaintext = "PLAINTEXT"

// The SASL mechanisms a replication task may log in to a peer with.
const (
	MechanismScramSHA256 = "SCRAM-SHA-256"
)

// HasLogin reports whether the task logs in to its peer with a user of its
// own (user_name and password) rather than as dmsd does.
func (p *ConnectPeer) HasLogin() bool { return p.UserName != "" }

// ValidateLogin checks the peer's security_protocol and SASL login, filling
// in the defaults: a login's mechanism is PLAIN unless named, and a peer
// given by bootstrap_servers with a login and no protocol is SASL_PLAINTEXT.
// A peer instance's own listeners decide its protocol (see
// ConnectPeer.LoginFor). It returns EINVALID for a login without user_name
// or password, an unknown mechanism or protocol, a login on a PLAINTEXT
// peer or SASL_PLAINTEXT without one, and ECONNECTPEER for SASL_SSL to a
// peer given by bootstrap_servers: dmsd has no setting for that cluster's
// CA, so it could not check whom it talks to.
func (p *ConnectPeer) ValidateLogin() error {
	switch p.SecurityProtocol {
	case "", PeerPlaintext, SASLPlaintext, SASLSSL:
	default:
		return Errorf(EINVALID, "Invalid request parameter: security_protocol must be PLAINTEXT, SASL_PLAINTEXT or SASL_SSL.")
	}
	login := p.UserName != "" || p.Password != "" || p.SASLMechanism != ""
	if login {
		if p.UserName == "" || p.Password == "" {
			return Errorf(EINVALID, "Invalid request parameter: a SASL login to the peer needs both user_name and password.")
		}
		if p.SASLMechanism == "" {
			p.SASLMechanism = MechanismPlain
		}
		switch p.SASLMechanism {
		case MechanismPlain, MechanismScramSHA256, MechanismScramSHA512:
		default:
			return Errorf(EINVALID, "Invalid request parameter: sasl_mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
		}
	}
	if p.InstanceID != "" {
		return nil
	}
	switch {
	case p.SecurityProtocol == SASLSSL:
		return Errorf(ECONNECTPEER, "SASL_SSL to a peer given by bootstrap_servers is not supported: this service has no setting for that cluster's CA certificate. Use SASL_PLAINTEXT, or a peer instance of this service.")
	case p.SecurityProtocol == "" && login:
		p.SecurityProtocol = SASLPlaintext
	case p.SecurityProtocol == "":
		p.SecurityProtocol = PeerPlaintext
	case p.SecurityProtocol == PeerPlaintext && login:
		return Errorf(EINVALID, "Invalid request parameter: a SASL login (user_name, password) needs security_protocol SASL_PLAINTEXT.")
	case p.SecurityProtocol == SASLPlaintext && !login:
		return Errorf(EINVALID, "Invalid request parameter: security_protocol SASL_PLAINTEXT needs user_name and password.")
	}
	return nil
}

// LoginFor checks the peer's login against the peer instance inst and sets
// SecurityProtocol to the protocol of inst's listeners: without a login
// dmsd logs in as inst's access user; with one, the user must log in with a
// mechanism inst enables. It returns ECONNECTPEER for a login to an
// instance without SASL, a mechanism inst does not enable, or a
// security_protocol that is not the one inst's listeners speak.
func (p *ConnectPeer) LoginFor(inst *Instance) error {
	protocol := PeerPlaintext
	switch {
	case inst.SASLEnabled() && inst.SSLEnabled:
		protocol = SASLSSL
	case inst.SASLEnabled():
		protocol = SASLPlaintext
	case inst.SSLEnabled:
		protocol = "SSL"
	}
	if p.SecurityProtocol != "" && p.SecurityProtocol != protocol {
		return Errorf(ECONNECTPEER, "The peer instance's listeners speak %s, not %s.", protocol, p.SecurityProtocol)
	}
	if p.HasLogin() {
		if !inst.SASLEnabled() {
			return Errorf(ECONNECTPEER, "The peer instance has no SASL: leave user_name, password and sasl_mechanism out.")
		}
		if !slices.Contains(inst.SASLMechanisms, p.SASLMechanism) {
			return Errorf(ECONNECTPEER, "The peer instance does not enable SASL mechanism %s (it enables %v).", p.SASLMechanism, inst.SASLMechanisms)
		}
	}
	p.SecurityProtocol = protocol
	return nil
}
