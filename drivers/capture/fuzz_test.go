package capture

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// frame builds an Ethernet/IPv4/UDP or TCP frame around payload.
func frame(t testing.TB, tcp bool, sport, dport int, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: []byte{0, 1, 2, 3, 4, 5}, DstMAC: []byte{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}
	var l4 gopacket.SerializableLayer
	if tcp {
		ip.Protocol = layers.IPProtocolTCP
		tl := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), PSH: true, ACK: true, Window: 1000}
		tl.SetNetworkLayerForChecksum(ip)
		l4 = tl
	} else {
		ip.Protocol = layers.IPProtocolUDP
		ul := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		ul.SetNetworkLayerForChecksum(ip)
		l4 = ul
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, l4, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSummary(t *testing.T) {
	reg := []byte{4, 0, 0, 0, 0, 0, 0, 0, 0x81, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}
	for _, c := range []struct {
		data []byte
		want string
	}{
		{frame(t, true, 51000, 2000, reg), "SCCP RegisterAck KeepAliveAck"},
		{frame(t, false, 40000, 69, []byte("\x00\x01SEP001122334455.cnf.xml\x00octet\x00")), `TFTP Read Request "SEP001122334455.cnf.xml"`},
		{frame(t, false, 69, 40000, []byte{0, 3, 0, 7, 'x'}), "TFTP Data block 7"},
		{frame(t, false, 1, 2, nil), "IPv4 10.0.0.1 > 10.0.0.2, UDP 1 > 2"},
	} {
		if got := Summary(c.data); !strings.Contains(got, c.want) {
			t.Errorf("Summary = %q, want it to contain %q", got, c.want)
		}
	}
}

func TestWritePcapReadBack(t *testing.T) {
	pkts := []Packet{{Data: frame(t, false, 1, 2, []byte("hi"))}}
	pkts[0].Length = len(pkts[0].Data)
	var b bytes.Buffer
	if err := WritePcap(&b, pkts); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := r.ReadPacketData()
	if err != nil || !bytes.Equal(data, pkts[0].Data) {
		t.Fatalf("read back %x, %v", data, err)
	}
}

// FuzzSummary: decoding arbitrary frames never panics.
func FuzzSummary(f *testing.F) {
	f.Add(frame(f, true, 1, 2000, []byte{12, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}))
	f.Add(frame(f, false, 68, 67, make([]byte, 240)))
	f.Add(frame(f, false, 1, 69, []byte{0, 1}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		Summary(data)
		Endpoints(data)
		SCCP(data)
	})
}
