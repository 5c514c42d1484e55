package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback/backend/sandbox"
)

// fakeTwilio answers the calls create-callback makes at once, and counts the connections the
// backend opens to it.
type fakeTwilio struct {
	srv   *httptest.Server
	conns atomic.Int64 // TCP connections accepted
	tasks atomic.Int64
	other atomic.Int64 // requests it has no answer for
	what  atomic.Value // the last of them, "METHOD path"
}

const (
	fakeAccount   = "AC00000000000000000000000000000000"
	fakeWorkspace = "WS00000000000000000000000000000000"
	fakeWorkflow  = "WW00000000000000000000000000000000"
)

func newFakeTwilio() *fakeTwilio {
	f := &fakeTwilio{}
	ws := "/taskrouter/v1/Workspaces/" + fakeWorkspace
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == ws:
			fmt.Fprintf(w, `{"sid":%q,"account_sid":%q,"friendly_name":"bench"}`, fakeWorkspace, fakeAccount)
		case r.Method == http.MethodPost && r.URL.Path == ws+"/Tasks":
			n := f.tasks.Add(1)
			sid := fmt.Sprintf("WT%032x", n)
			fmt.Fprintf(w, `{"sid":%q,"account_sid":%q,"workspace_sid":%q,"workflow_sid":%q,"assignment_status":"pending","attributes":%q,"task_channel_unique_name":"default","priority":0,"age":0,"timeout":86400,"date_created":"2026-11-25T14:00:00Z","date_updated":"2026-11-25T14:00:00Z","url":"https://taskrouter.twilio.com/v1%s/Tasks/%s"}`,
				sid, fakeAccount, fakeWorkspace, fakeWorkflow, r.PostFormValue("Attributes"), ws, sid)
		case r.Method == http.MethodGet && r.URL.Path == "/studio/v2/Flows": // the start-up check of Studio's URLs
			fmt.Fprint(w, `{"flows":[],"meta":{"page":0,"page_size":50,"key":"flows"}}`)
		case r.Method == http.MethodGet && r.URL.Path == ws+"/Tasks":
			fmt.Fprint(w, `{"tasks":[],"meta":{"page":0,"page_size":50,"key":"tasks"}}`)
		default:
			f.other.Add(1)
			f.what.Store(r.Method + " " + r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"code":20404,"message":"not in the fake: %s %s","status":404}`, r.Method, r.URL.Path)
		}
	}))
	f.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.srv.Start()
	return f
}

// freeAddr is a loopback address no one listens on, for a child process to listen on.
func freeAddr(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// procPeakRSS is process pid's VmHWM in MB.
func procPeakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// port is the fake's TCP port.
func (f *fakeTwilio) port() int {
	_, p, _ := net.SplitHostPort(f.srv.Listener.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// timeWait counts the sockets in TIME_WAIT to or from port (what `ss -tan state time-wait` shows,
// for this port only: the machine is shared).
func timeWait(port int) int {
	n := 0
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			fs := strings.Fields(s.Text())
			if len(fs) < 4 || fs[3] != "06" { // 06: TIME_WAIT
				continue
			}
			if hexPort(fs[1]) == port || hexPort(fs[2]) == port {
				n++
			}
		}
		f.Close()
	}
	return n
}

func hexPort(addr string) int {
	_, p, ok := strings.Cut(addr, ":")
	if !ok {
		return -1
	}
	b, err := hex.DecodeString(p)
	if err != nil || len(b) != 2 {
		return -1
	}
	return int(b[0])<<8 | int(b[1])
}

// startBinary builds the backend and runs it in real mode (not the sandbox) against fake.
func startBinary(b *testing.B, fake *fakeTwilio) (base string, pid int) {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "flexcallback")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(b)
	base = "http://" + addr
	cmd := exec.Command(bin, "-env-file=")
	cmd.Env = append(os.Environ(), "ADDR="+addr, "PUBLIC_BASE_URL="+base, "WEB_DIR="+webDir(b),
		"TWILIO_ACCOUNT_SID="+fakeAccount, "TWILIO_AUTH_TOKEN=benchtoken", "TWILIO_FLEX_WORKSPACE_SID="+fakeWorkspace,
		"TWILIO_FLEX_CALLBACK_WORKFLOW_SID="+fakeWorkflow, "TWILIO_API_BASE="+fake.srv.URL, "LOG_LEVEL=error", "SANDBOX=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("backend not ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base, cmd.Process.Pid
}

// BenchmarkCreateLoad drives the real binary in real mode against a stand-in Twilio that answers
// at once: create-callback webhooks from 8 concurrent clients for 10 s, each from a new caller.
// Reported: req/s, the backend process's CPU-ms per request, p99, the TCP connections it opened
// to Twilio per 1000 requests, and the sockets left in TIME_WAIT on the stand-in's port at the
// end, and its peak RSS. The floor is the same load on TestFloorChild: the standard library's
// share of the CPU.
//
//	go test -run '^$' -bench BenchmarkCreateLoad -benchtime 1x ./backend/
func BenchmarkCreateLoad(b *testing.B) {
	b.Run("backend", func(b *testing.B) {
		fake := newFakeTwilio()
		b.Cleanup(fake.srv.Close)
		base, pid := startBinary(b, fake)
		createLoad(b, fake, base, pid)
	})
	b.Run("floor", func(b *testing.B) {
		fake := newFakeTwilio()
		b.Cleanup(fake.srv.Close)
		base, pid := startFloor(b, fake)
		createLoad(b, fake, base, pid)
	})
}

// startFloor runs TestFloorChild (this test binary again) against fake.
func startFloor(b *testing.B, fake *fakeTwilio) (base string, pid int) {
	b.Helper()
	addr := freeAddr(b)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFloorChild$", "-test.count=1")
	cmd.Env = []string{"FLEXCALLBACK_BENCH_CHILD=TestFloorChild", "ADDR=" + addr, "TWILIO_API_BASE=" + fake.srv.URL,
		"TWILIO_ACCOUNT_SID=" + fakeAccount, "TWILIO_AUTH_TOKEN=benchtoken", "TWILIO_FLEX_WORKSPACE_SID=" + fakeWorkspace}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	base = "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			return base, cmd.Process.Pid
		}
		if time.Now().After(deadline) {
			b.Fatal("floor not ready")
		}
	}
}

func createLoad(b *testing.B, fake *fakeTwilio, base string, pid int) {
	const conc, dur = 8, 10 * time.Second
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxIdleConns: conc}}
	u := base + "/features/callback-and-voicemail/studio/create-callback"
	post := func(i int64) (time.Duration, error) {
		form := url.Values{"numberToCall": {fmt.Sprintf("+14152%06d", i%1000000)}, "numberToCallFrom": {ourLine}, "flexFlowSid": {fmt.Sprintf("FW%d", i)}}
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sandbox.Signature("benchtoken", u, form))
		req.Header.Set("I-Twilio-Idempotency-Token", fmt.Sprintf("bench-%d", i)) // each a new task
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		return time.Since(start), nil
	}
	for range b.N {
		var n atomic.Int64
		post(n.Add(1)) // warm up: the first connection and the binary's caches
		ctx, cancel := context.WithTimeout(context.Background(), dur)
		conns0, cpu0 := fake.conns.Load(), float64(procCPU(pid))/float64(time.Millisecond)
		var mu sync.Mutex
		var lat latencies
		var failed error
		var wg sync.WaitGroup
		start := time.Now()
		for range conc {
			wg.Go(func() {
				for ctx.Err() == nil {
					d, err := post(n.Add(1))
					mu.Lock()
					if err != nil && failed == nil {
						failed = err
					}
					lat = append(lat, d)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		cancel()
		elapsed := time.Since(start)
		cpu := float64(procCPU(pid))/float64(time.Millisecond) - cpu0
		if failed != nil {
			b.Fatalf("create-callback: %v", failed)
		}
		reqs := float64(len(lat))
		b.ReportMetric(reqs/elapsed.Seconds(), "req/s")
		b.ReportMetric(cpu/reqs, "cpu-ms/req")
		b.ReportMetric(float64(lat.percentile(0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(1000*float64(fake.conns.Load()-conns0)/reqs, "twilio-conns/1k-req")
		b.ReportMetric(float64(timeWait(fake.port())), "time-wait")
		b.ReportMetric(procPeakRSS(pid), "peak-rss-MB")
		if o := fake.other.Load(); o > 0 {
			b.Logf("%d requests the fake could not answer, the last %v", o, fake.what.Load())
		}
	}
}
