package pki

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"cmeos/crypto/keys"
	"cmeos/ios/logging"
)

// ExpiryWarningDays is how long before expiry the monitor starts warning
// about a trustpoint certificate (once per certificate and day count
// threshold: 30, 7 and 1 days).
var ExpiryWarningDays = []int{30, 7, 1}

// CheckInterval is how often the monitor looks at certificate lifetimes.
var CheckInterval = time.Hour

// monitor is the expiry monitor's state; warned is guarded by the
// configuration lock.
type monitor struct {
	once   sync.Once
	done   chan struct{}
	warned map[string]int // certificate fingerprint -> smallest threshold warned
}

// Reconcile starts the expiry monitor (once).
func (f *Feature) Reconcile(ctx context.Context) error {
	f.mon.once.Do(func() {
		f.mon.done = make(chan struct{})
		go f.monitorLoop(f.sys.Context())
	})
	return nil
}

func (f *Feature) monitorLoop(ctx context.Context) {
	defer close(f.mon.done)
	t := time.NewTicker(CheckInterval)
	defer t.Stop()
	for {
		f.CheckExpiry(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type renewal struct {
	name string
	tp   *Trustpoint
	p    *pendingRequest
}

// CheckExpiry logs expiry warnings for trustpoint certificates and renews
// those whose `auto-enroll` percentage of lifetime has passed. It takes
// the configuration lock itself; the SCEP exchange runs without it.
func (f *Feature) CheckExpiry(ctx context.Context) {
	f.sys.Lock()
	now := f.sys.Now()
	if f.mon.warned == nil {
		f.mon.warned = map[string]int{}
	}
	var renew []renewal
	for _, name := range f.order {
		tp := f.tps[name]
		for _, ca := range []bool{false, true} {
			c := f.cert(name, ca)
			if c == nil {
				continue
			}
			f.warnExpiry(name, c, now, ca)
		}
		c := f.Certificate(name)
		if c == nil || tp.AutoEnroll == 0 || tp.URL == "" || tp.pending != nil {
			continue
		}
		life := c.NotAfter.Sub(c.NotBefore)
		if now.Before(c.NotBefore.Add(life * time.Duration(tp.AutoEnroll) / 100)) {
			continue
		}
		ca := f.CACertificate(name)
		k, ok := keys.FromSystem(f.sys).Get(f.KeyLabel(tp))
		if ca == nil || !ok {
			continue
		}
		signer := k.Signer
		var newKey *keys.Key
		if tp.Regenerate {
			// auto-enroll ... regenerate: renew with a new key pair of the
			// same kind; the old one stays in use until the certificate comes.
			nk, err := regenerateKey(k, now)
			if err != nil {
				f.sys.Log.Logf(logging.Errors, "PKI", "CERT_ENROLL_FAIL", "Certificate renewal failed for trustpoint %s: %v", name, err)
				continue
			}
			newKey, signer = nk, nk.Signer
		}
		csr, err := f.buildCSR(tp, signer, "", tp.SerialNumber == 1, ipOf(tp))
		if err != nil {
			continue
		}
		f.sys.Log.Logf(logging.Informational, "PKI", "CERTRENEWAUTO", "Renewing the router certificate for trustpoint %s", name)
		p := &pendingRequest{url: tp.URL, ca: ca, csr: csr, key: signer, newKey: newKey}
		tp.pending = p
		renew = append(renew, renewal{name, tp, p})
	}
	f.sys.Unlock()
	for _, r := range renew {
		res, err := SCEPEnroll(ctx, r.p.url, r.p.ca, r.p.csr, r.p.key)
		f.sys.Lock()
		if f.tps[r.name] == r.tp && r.tp.pending == r.p {
			r.tp.pending = nil
			f.handle(r.name, r.tp, r.p, res, err)
		}
		f.sys.Unlock()
	}
}

func ipOf(tp *Trustpoint) string {
	if tp.IPAddress == "none" {
		return ""
	}
	return tp.IPAddress
}

func (f *Feature) warnExpiry(name string, c *x509.Certificate, now time.Time, ca bool) {
	fp, _ := Fingerprints(c.Raw)
	kind := "router"
	if ca {
		kind = "CA"
	}
	if now.After(c.NotAfter) {
		if f.mon.warned[fp] != -1 {
			f.mon.warned[fp] = -1
			f.sys.Log.Logf(logging.Errors, "PKI", "CERT_EXPIRED", "The %s certificate of trustpoint %s (serial %s) expired at %s", kind, name, SerialHex(c), iosTime(c.NotAfter))
		}
		return
	}
	left := c.NotAfter.Sub(now)
	for i := len(ExpiryWarningDays) - 1; i >= 0; i-- {
		d := ExpiryWarningDays[i]
		if left > time.Duration(d)*24*time.Hour {
			continue
		}
		if w, ok := f.mon.warned[fp]; ok && w <= d {
			return
		}
		f.mon.warned[fp] = d
		f.sys.Log.Logf(logging.Warnings, "PKI", "CERT_EXPIRY_WARNING", "The %s certificate of trustpoint %s (serial %s) will expire in %d days, at %s",
			kind, name, SerialHex(c), int(left.Hours()/24), iosTime(c.NotAfter))
		return
	}
}

// regenerateKey makes a key pair like k (same label, type and size) without
// storing it.
func regenerateKey(k *keys.Key, now time.Time) (*keys.Key, error) {
	if k.Encryption != nil {
		return nil, fmt.Errorf("usage keys are renewed with their existing pairs")
	}
	nk := &keys.Key{Label: k.Label, Exportable: k.Exportable, Usage: k.Usage, Created: now}
	switch pub := k.Signer.Public().(type) {
	case *rsa.PublicKey:
		sk, err := rsa.GenerateKey(rand.Reader, pub.N.BitLen())
		if err != nil {
			return nil, err
		}
		nk.Signer = sk
	case *ecdsa.PublicKey:
		sk, err := ecdsa.GenerateKey(pub.Curve, rand.Reader)
		if err != nil {
			return nil, err
		}
		nk.Signer = sk
	default:
		return nil, fmt.Errorf("unsupported key type %T", pub)
	}
	return nk, nil
}
