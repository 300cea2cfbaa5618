package dmsd

// The private access methods of the SDK's plain-ssl-switch
// (UpdateKafkaPortProtocol), by the names it sends.
const (
	ProtocolPrivatePlain         = "private_plain_enable"
	ProtocolPrivateSASLSSL       = "private_sasl_ssl_enable"
	ProtocolPrivateSASLPlaintext = "private_sasl_plaintext_enable"
)

// SwitchProtocol returns whether the brokers' listeners use TLS once the
// plain-ssl-switch has turned protocol on (enable) or off on inst. Each
// embedded broker has a single listener, so turning an access method on
// switches the listener to it, and turning the one in use off is refused:
// it would leave no way in. SASL itself is what the instance was created
// with (ssl_enable): a SASL instance switches between SASL_SSL and
// SASL_PLAINTEXT, and an instance without SASL can only be plaintext.
//
// It returns an EINVALID *Error for a switch that would turn SASL on or off,
// for turning off the listener's protocol, for turning off one it does not
// offer, and for a protocol that is not a private access method.
func (inst *Instance) SwitchProtocol(protocol string, enable bool) (tls bool, err error) {
	current := ProtocolPrivatePlain
	switch {
	case inst.SASLEnabled() && inst.SSLEnabled:
		current = ProtocolPrivateSASLSSL
	case inst.SASLEnabled():
		current = ProtocolPrivateSASLPlaintext
	case inst.SSLEnabled:
		// TLS without SASL, left by the switch of earlier versions: only
		// plaintext can be switched on.
		current = ""
	}
	switch protocol {
	case ProtocolPrivatePlain, ProtocolPrivateSASLSSL, ProtocolPrivateSASLPlaintext:
	default:
		return false, Errorf(EINVALID, "Invalid request parameter: protocol must be %s, %s or %s.", ProtocolPrivatePlain, ProtocolPrivateSASLSSL, ProtocolPrivateSASLPlaintext)
	}
	if !enable {
		if protocol == current {
			return false, Errorf(EINVALID, "Invalid request parameter: %s is the only access method of the brokers' single listener and cannot be turned off; turn another one on instead.", protocol)
		}
		return false, Errorf(EINVALID, "Invalid request parameter: %s is not enabled on this instance.", protocol)
	}
	if sasl := protocol != ProtocolPrivatePlain; sasl != inst.SASLEnabled() {
		if sasl {
			return false, Errorf(EINVALID, "Invalid request parameter: %s is not supported on an instance created without SASL: SASL is chosen when the instance is created (ssl_enable).", protocol)
		}
		return false, Errorf(EINVALID, "Invalid request parameter: %s is not supported on a SASL instance: SASL is chosen when the instance is created (ssl_enable).", protocol)
	}
	return protocol == ProtocolPrivateSASLSSL, nil
}
