package phone

import (
	"cmeos/cmd/phonesim/internal/media"
)

// Report is everything the phone saw and did, ready for encoding/json.
// Times (T, *Ms) are milliseconds since New.
type Report struct {
	Device       string         `json:"device"`
	Server       string         `json:"server"`
	Transport    string         `json:"transport"` // tcp or tls
	TLS          *TLSInfo       `json:"tls,omitempty"`
	Provisioning *Provisioning  `json:"provisioning,omitempty"`
	Registration Registration   `json:"registration"`
	Lines        []Line         `json:"lines,omitempty"`
	SoftKeys     int            `json:"softkeys,omitempty"`
	SoftKeySets  int            `json:"softkey_sets,omitempty"`
	Actions      []ActionResult `json:"actions,omitempty"`
	Events       []Event        `json:"events,omitempty"`
	Media        []MediaReport  `json:"media,omitempty"`
	Counts       map[string]int `json:"counts"` // "rx CallState": n
	Messages     []MsgRecord    `json:"messages"`
	Error        string         `json:"error,omitempty"`
}

// TLSInfo describes the TLS session of a secure phone.
type TLSInfo struct {
	Version     string  `json:"version"`
	Cipher      string  `json:"cipher"`
	Server      string  `json:"server_subject"`
	HandshakeMs float64 `json:"handshake_ms"`
}

// Provisioning is what the phone learnt before registering.
type Provisioning struct {
	TFTP         string   `json:"tftp"`
	Files        []string `json:"files"` // fetched and verified
	SecurityMode int      `json:"device_security_mode"`
	CallManagers []string `json:"call_managers"`
	CCMCerts     []string `json:"ccm_certificates,omitempty"`
}

// Registration is the outcome of Register.
type Registration struct {
	Result       string  `json:"result"` // registered, rejected, error
	Reason       string  `json:"reason,omitempty"`
	KeepAlive    uint32  `json:"keepalive,omitempty"`
	Protocol     uint8   `json:"protocol,omitempty"`
	DateTemplate string  `json:"date_template,omitempty"`
	LatencyMs    float64 `json:"latency_ms,omitempty"`  // connect to RegisterAck
	CompleteMs   float64 `json:"complete_ms,omitempty"` // DefineTimeDate received
	ServerTime   string  `json:"server_time,omitempty"`
}

// Line is a LineStat.
type Line struct {
	Instance uint32 `json:"instance"`
	Number   string `json:"number"`
	Name     string `json:"name,omitempty"`
	Label    string `json:"label,omitempty"`
}

// ActionResult is one scripted action.
type ActionResult struct {
	T      float64 `json:"t"`
	Action string  `json:"action"`
	Error  string  `json:"error,omitempty"`
}

// Event is one call event (a state change, a tone, a media order...).
type Event struct {
	T       float64 `json:"t"`
	Event   string  `json:"event"`
	Line    uint32  `json:"line,omitempty"`
	CallRef uint32  `json:"callref,omitempty"`
	Detail  string  `json:"detail,omitempty"`
}

// MediaReport is one media leg's figures.
type MediaReport struct {
	PassThru uint32 `json:"passthru"`
	media.Stats
}

// MsgRecord is one message, sent or received.
type MsgRecord struct {
	T    float64 `json:"t"`
	Dir  string  `json:"dir"` // tx or rx
	Name string  `json:"name"`
}

// Report returns a copy of the report so far; open media streams are
// included with their figures now.
func (p *Phone) Report() Report {
	p.mu.Lock()
	r := p.report
	r.Lines = append([]Line(nil), r.Lines...)
	r.Actions = append([]ActionResult(nil), r.Actions...)
	r.Events = append([]Event(nil), r.Events...)
	r.Media = append([]MediaReport(nil), r.Media...)
	r.Messages = append([]MsgRecord(nil), r.Messages...)
	r.Counts = make(map[string]int, len(p.report.Counts))
	for k, v := range p.report.Counts {
		r.Counts[k] = v
	}
	streams := make(map[uint32]*media.Stream, len(p.streams))
	for k, v := range p.streams {
		streams[k] = v
	}
	p.mu.Unlock()
	for id, s := range streams {
		r.Media = append(r.Media, MediaReport{PassThru: id, Stats: s.Stats()})
	}
	return r
}

// SetProvisioning records what provisioning found (package provision).
func (p *Phone) SetProvisioning(pr *Provisioning) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.report.Provisioning = pr
}
