package keys

import (
	"crypto"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// FeatureName is the name the key store is registered under.
const FeatureName = "crypto-keys"

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderPKI - 1, New: newFeature, NoConfig: true})
}

// feature is the crypto-keys feature: it owns the Store and its commands.
// Keys are not configuration: Render writes nothing.
type feature struct {
	sys   *config.System
	store *Store
}

func (f *feature) Render(*config.Renderer) {}

// RSAHostKey gives the SSH server (ios/sshd.HostKeys) the RSA key pair
// called label.
func (f *feature) RSAHostKey(label string) (crypto.Signer, bool) {
	k, ok := f.store.Get(label)
	if !ok || k.Type() != "RSA" {
		return nil, false
	}
	return k.Signer, true
}

var help = map[string]string{
	"crypto": "Encryption module", "key": "Long term key operations",
	"generate": "Generate new keys", "rsa": "Generate RSA keys", "ec": "Generate EC keys",
	"general-keys": "Generate a general purpose RSA key pair for signing and encryption",
	"usage-keys":   "Generate separate RSA key pairs for signing and encryption",
	"label":        "Provide a label", "name": "RSA keypair label",
	"modulus": "Provide number of modulus bits on the command line", "bits": "size of RSA modulus in bits",
	"exportable": "Allow the key to be exported", "keysize": "Number of bits in the EC key",
	"256": "256 bit keys", "384": "384 bit keys",
	"zeroize": "Remove keys", "keylabel": "Key label",
	"export": "Export keys", "import": "Import keys", "pem": "File type to export",
	"terminal": "Export to the terminal", "3des": "Encrypt the private key with 3DES",
	"aes": "Encrypt the private key with AES", "passphrase": "Passphrase used to protect the private key",
	"show": "Show running system information", "mypubkey": "Show public keys associated with this router",
}

func newFeature(sys *config.System) config.Feature {
	f := &feature{sys: sys, store: &Store{sys: sys, keys: map[string]*Key{}}}
	f.store.load()
	t := sys.Tree
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto key generate rsa [ general-keys | usage-keys ] [ label name:WORD ] [ modulus bits:<360-4096> ] [ exportable ]",
		Help: help, Run: f.generateRSA})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto key generate ec keysize { 256 | 384 } [ label name:WORD ] [ exportable ]",
		Help: help, Run: f.generateEC})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto key zeroize [ rsa | ec ] [ keylabel:WORD ]", Help: help, Run: f.zeroize})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto key export { rsa | ec } keylabel:WORD pem terminal { 3des | aes } passphrase:WORD", Help: help, Run: f.export})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto key import { rsa | ec } keylabel:WORD [ exportable ] pem terminal passphrase:WORD", Help: help, Run: f.importKey})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show crypto key mypubkey { rsa | ec } [ keylabel:WORD ]", Help: help, Pipe: true, Run: f.show})
	return f
}

// YesNo asks a [yes/no] question as IOS does, re-asking on other answers.
// No answer (end of input) counts as no.
func YesNo(c *cli.Context, prompt string) bool {
	for range 3 {
		ans, err := c.Ask(prompt)
		if err != nil {
			return false
		}
		switch strings.ToLower(strings.TrimSpace(ans)) {
		case "y", "ye", "yes":
			return true
		case "n", "no":
			return false
		}
		c.Printf("%% Please answer 'yes' or 'no'.\n")
	}
	return false
}

func (f *feature) defaultLabel(c *cli.Context) (string, error) {
	if f.sys.Hostname() == config.DefaultHostname {
		return "", errors.New("% Please define a hostname other than Router.")
	}
	if !strings.Contains(DefaultLabel(f.sys), ".") {
		return "", errors.New("% Please define a domain-name first.")
	}
	return DefaultLabel(f.sys), nil
}

func (f *feature) generateRSA(c *cli.Context) error {
	label := c.String("name")
	if label == "" {
		var err error
		if label, err = f.defaultLabel(c); err != nil {
			return err
		}
	} else if !ValidLabel(label) {
		return c.InvalidInput("name")
	}
	usage, kind := UsageGeneral, "General Purpose Keys"
	if c.Has("usage-keys") {
		usage, kind = UsageSplit, "Signature and Encryption Keys"
	}
	loading := f.sys.IsLoading()
	if old, ok := f.store.Get(label); ok && !loading {
		c.Printf("%% You already have %s keys defined named %s.\n", old.Type(), label)
		if !YesNo(c, "% Do you really want to replace them? [yes/no]: ") {
			return nil
		}
	}
	c.Printf("The name for the keys will be: %s\n", label)
	bits := c.Int("bits", 0)
	if bits == 0 && !loading {
		c.Printf("Choose the size of the key modulus in the range of 360 to 4096 for your\n"+
			"  %s. Choosing a key modulus greater than 512 may take\n  a few minutes.\n\n", kind)
		ans, err := c.Ask(fmt.Sprintf("How many bits in the modulus [%d]: ", MinRSABits))
		if err != nil {
			return nil
		}
		bits = MinRSABits
		if ans = strings.TrimSpace(ans); ans != "" {
			n, err := strconv.Atoi(ans)
			if err != nil || n < 360 || n > MaxRSABits {
				return errors.New("% Key modulus size must be between 360 and 4096 bits.")
			}
			bits = n
		}
	} else {
		if bits == 0 {
			bits = MinRSABits
		}
		c.Printf("\n%% The key modulus size is %d bits\n", bits)
	}
	if bits < MinRSABits {
		return fmt.Errorf("%% Key modulus sizes below %d bits are not supported; use %d or more.", MinRSABits, MinRSABits)
	}
	exp := "non-exportable"
	if c.Has("exportable") {
		exp = "exportable"
	}
	c.Printf("%% Generating %d bit RSA keys, keys will be %s...\n", bits, exp)
	start := f.sys.Now()
	if _, err := f.store.GenerateRSAUsage(label, bits, c.Has("exportable"), usage); err != nil {
		return fmt.Errorf("%% Key generation failed: %v", errors.Unwrap(err))
	}
	if usage == UsageSplit {
		// Two pairs, as IOS reports them: signature, then encryption.
		c.Printf("[OK] (elapsed time was %d seconds)\n", int(f.sys.Now().Sub(start).Seconds()))
		c.Printf("%% Generating %d bit RSA keys, keys will be %s...\n", bits, exp)
	}
	c.Printf("[OK] (elapsed time was %d seconds)\n\n", int(f.sys.Now().Sub(start).Seconds()))
	return nil
}

func (f *feature) generateEC(c *cli.Context) error {
	label := c.String("name")
	if label == "" {
		var err error
		if label, err = f.defaultLabel(c); err != nil {
			return err
		}
	} else if !ValidLabel(label) {
		return c.InvalidInput("name")
	}
	bits := 256
	if c.Has("384") {
		bits = 384
	}
	if old, ok := f.store.Get(label); ok && !f.sys.IsLoading() {
		c.Printf("%% You already have %s keys defined named %s.\n", old.Type(), label)
		if !YesNo(c, "% Do you really want to replace them? [yes/no]: ") {
			return nil
		}
	}
	exp := "non-exportable"
	if c.Has("exportable") {
		exp = "exportable"
	}
	c.Printf("The name for the keys will be: %s\n\n%% Generating %d bit EC keys, keys will be %s...\n", label, bits, exp)
	start := f.sys.Now()
	if _, err := f.store.GenerateECExportable(label, bits, c.Has("exportable")); err != nil {
		return fmt.Errorf("%% Key generation failed: %v", errors.Unwrap(err))
	}
	c.Printf("[OK] (elapsed time was %d seconds)\n\n", int(f.sys.Now().Sub(start).Seconds()))
	return nil
}

func (f *feature) zeroize(c *cli.Context) error {
	typ := ""
	switch {
	case c.Has("rsa"):
		typ = "RSA"
	case c.Has("ec"):
		typ = "EC"
	}
	label := c.String("keylabel")
	var victims []string
	for _, l := range f.store.Labels() {
		k, _ := f.store.Get(l)
		if (typ == "" || k.Type() == typ) && (label == "" || l == label) {
			victims = append(victims, l)
		}
	}
	if len(victims) == 0 {
		if label != "" {
			return fmt.Errorf("%% No keys named '%s' found.", label)
		}
		return errors.New("% No keys found.")
	}
	if label == "" {
		c.Printf("%% All keys will be removed.\n")
	} else {
		c.Printf("%% Keys to be removed are named '%s'.\n", label)
	}
	if !YesNo(c, "Do you really want to remove these keys? [yes/no]: ") {
		return nil
	}
	for _, l := range victims {
		if err := f.store.Remove(l); err != nil {
			return fmt.Errorf("%% Failed to remove keys %s: %v", l, errors.Unwrap(err))
		}
	}
	return nil
}

func (f *feature) show(c *cli.Context) error {
	typ := "RSA"
	if c.Has("ec") {
		typ = "EC"
	}
	for _, l := range f.store.Labels() {
		k, _ := f.store.Get(l)
		if k.Type() != typ || (c.Has("keylabel") && l != c.String("keylabel")) {
			continue
		}
		c.Printf("%% Key pair was generated at: %s\n", k.Created.Format("15:04:05 MST Jan 2 2006"))
		c.Printf("Key name: %s\nKey type: %s KEYS\n Storage Device: private-config\n", l, typ)
		switch {
		case k.Usage == UsageSplit:
			c.Printf(" Usage: Signature Key\n")
		case typ == "EC":
			c.Printf(" Usage: Signature Key\n")
		default:
			c.Printf(" Usage: General Purpose Key\n")
		}
		if k.Exportable {
			c.Printf(" Key is exportable.\n")
		} else {
			c.Printf(" Key is not exportable.\n")
		}
		c.Printf(" Key Data:\n%s", HexDump(k.PublicDER(), "  "))
		if k.Encryption != nil {
			c.Printf("%% Key pair was generated at: %s\n", k.Created.Format("15:04:05 MST Jan 2 2006"))
			c.Printf("Key name: %s\nKey type: %s KEYS\n Storage Device: private-config\n Usage: Encryption Key\n", l, typ)
			if k.Exportable {
				c.Printf(" Key is exportable.\n")
			} else {
				c.Printf(" Key is not exportable.\n")
			}
			c.Printf(" Key Data:\n%s", HexDump(k.EncryptionPublicDER(), "  "))
		}
	}
	return nil
}

// HexDump formats DER as IOS does: 8-digit upper-case groups, 8 per line,
// each line prefixed by indent.
func HexDump(b []byte, indent string) string {
	var sb strings.Builder
	h := strings.ToUpper(fmt.Sprintf("%x", b))
	for i := 0; i < len(h); i += 64 {
		line := h[i:min(i+64, len(h))]
		sb.WriteString(indent)
		for j := 0; j < len(line); j += 8 {
			if j > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(line[j:min(j+8, len(line))])
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func (f *feature) export(c *cli.Context) error {
	label := c.String("keylabel")
	k, ok := f.store.Get(label)
	if !ok || (c.Has("rsa") && k.Type() != "RSA") || (c.Has("ec") && k.Type() != "EC") {
		return fmt.Errorf("%% Key name: %s not found.", label)
	}
	cipher := "3des"
	if c.Has("aes") {
		cipher = "aes"
	}
	pub, priv, err := k.ExportPEM(cipher, c.String("passphrase"))
	if errors.Is(err, ErrNotAllowed) {
		return fmt.Errorf("%% Key %s is not exportable.", label)
	}
	if err != nil {
		return fmt.Errorf("%% Export of key %s failed.", label)
	}
	c.Printf("%% Key name: %s\n   Usage: General Purpose Key\n   Key data:\n%s%s", label, pub, priv)
	return nil
}

// ReadPaste reads lines until an empty line (when blankEnds) or "quit".
// It returns what was read and false if the input ended first.
func ReadPaste(c *cli.Context, blankEnds bool) (string, bool) {
	var sb strings.Builder
	for range 10000 {
		l, err := c.Ask("")
		if err != nil {
			return sb.String(), false
		}
		t := strings.TrimSpace(l)
		if t == "quit" || (blankEnds && t == "" && sb.Len() > 0) {
			return sb.String(), true
		}
		sb.WriteString(t)
		sb.WriteByte('\n')
	}
	return sb.String(), false
}

func (f *feature) importKey(c *cli.Context) error {
	label := c.String("keylabel")
	if !ValidLabel(label) {
		return c.InvalidInput("keylabel")
	}
	c.Printf("%% Enter PEM-formatted public General Purpose key or certificate.\n%% End with a blank line or \"quit\" on a line by itself.\n")
	if _, ok := ReadPaste(c, true); !ok {
		return errors.New("% Key import aborted.")
	}
	c.Printf("%% Enter PEM-formatted encrypted private General Purpose key.\n%% End with \"quit\" on a line by itself.\n")
	priv, ok := ReadPaste(c, false)
	if !ok {
		return errors.New("% Key import aborted.")
	}
	k, err := ParseEncryptedPEM([]byte(priv), c.String("passphrase"))
	switch {
	case errors.Is(err, ErrBadPassphrase):
		return errors.New("% Key import failed: wrong passphrase or damaged key.")
	case errors.Is(err, ErrKeySize):
		return fmt.Errorf("%% Key import failed: keys below %d bits are not supported.", MinRSABits)
	case err != nil:
		return errors.New("% Key import failed: no valid private key found.")
	}
	if (c.Has("rsa") && k.Type() != "RSA") || (c.Has("ec") && k.Type() != "EC") {
		return errors.New("% Key import failed: key type does not match.")
	}
	k.Label, k.Exportable, k.Created = label, c.Has("exportable"), f.sys.Now()
	if err := f.store.Put(k); err != nil {
		return errors.New("% Key import failed: cannot save the key.")
	}
	c.Printf("%% Key pair import succeeded.\n\n")
	return nil
}
