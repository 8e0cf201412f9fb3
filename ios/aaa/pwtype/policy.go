package pwtype

import "errors"

// PolicyMessage is the message Cisco Unified CME prints when a password
// breaks its password policy.
const PolicyMessage = "Error: The password you have entered is incorrect.\nYour password must contain:\n1. A minimum of 6 and a maximum of 15 alphanumeric characters, excluding symbols and special characters.\n2. A minimum of one numeral, one uppercase alphabet, and one lowercase alphabet."

// Bounds of the CME password policy.
const (
	PolicyMinLen = 6
	PolicyMaxLen = 15
)

// ErrPolicy is the error CheckPolicy returns; its text is [PolicyMessage].
var ErrPolicy = errors.New(PolicyMessage)

// CheckPolicy applies the Cisco Unified CME password policy: 6 to 15 ASCII
// letters and digits with at least one digit, one upper-case and one
// lower-case letter, and nothing else. It returns nil or [ErrPolicy].
func CheckPolicy(pw string) error {
	if len(pw) < PolicyMinLen || len(pw) > PolicyMaxLen {
		return ErrPolicy
	}
	var digit, upper, lower bool
	for i := 0; i < len(pw); i++ {
		switch c := pw[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		default:
			return ErrPolicy
		}
	}
	if !digit || !upper || !lower {
		return ErrPolicy
	}
	return nil
}
