package dmsd

import "time"

// UserNote is what dmsd keeps about a SASL user that Kafka does not.
type UserNote struct {
	// Description is the user's description (user_desc).
	Description string `json:"description,omitempty"`
	// CreatedAt is when the user was created through the API.
	CreatedAt time.Time `json:"created_at"`
}

// MaxUserDescription is the longest user description, in characters, the
// API accepts.
const MaxUserDescription = 200
