package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkReplicas: three replicas (runWith, in this process) behind one sandbox take
// create-callback requests from 32 concurrent clients spread over all three, first with each
// replica's own memory as the store, then sharing one real redis-server. Reported: req/s, p99,
// CPU-ms per request of this process (the replicas, their sandbox and the load generator: the
// same work in both runs, so the difference is the store's) and of redis-server.
//
//	go test -run '^$' -bench BenchmarkReplicas -benchtime 1x ./backend/
func BenchmarkReplicas(b *testing.B) {
	for _, store := range []string{"memory", "redis"} {
		b.Run(store, func(b *testing.B) {
			env := map[string]string{"LOG_LEVEL": "error"}
			if store == "memory" {
				env["REDIS_URL"] = ""
			}
			c := startCluster(b, 3, env)
			const clients = 32
			n := max(b.N, 3000)
			hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxIdleConns: 3 * clients}}
			for _, a := range c.reps {
				a.hc = hc
			}
			workflow := c.reps[0].info.Workflows["default"]
			lat := make(latencies, n)
			var next atomic.Int64
			var failed atomic.Int64
			var wg sync.WaitGroup
			cpu0, redis0 := processCPU(), procCPU(c.redis.Pid())
			start := time.Now()
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= n {
							return
						}
						form := url.Values{"numberToCall": {fmt.Sprintf("+1415557%04d", i)}, "numberToCallFrom": {ourLine},
							"workflowSid": {workflow}, "flexFlowSid": {"FW" + strconv.Itoa(i)}}
						t0 := time.Now()
						r := c.reps[i%3].viaLB(form, nil)
						lat[i] = time.Since(t0)
						if r.status != 200 {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			took := time.Since(start)
			cpu, redisCPU := processCPU()-cpu0, procCPU(c.redis.Pid())-redis0
			if store == "memory" {
				redisCPU = 0 // idle: no replica uses it
			}
			if failed.Load() > 0 {
				b.Errorf("%d of %d requests failed", failed.Load(), n)
			}
			perReq := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
			b.ReportMetric(float64(n)/took.Seconds(), "req/s")
			b.ReportMetric(float64(lat.percentile(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(perReq(cpu), "process-cpu-ms/req")
			b.ReportMetric(perReq(redisCPU), "redis-cpu-ms/req")
			b.ReportMetric(perReq(cpu+redisCPU), "cpu-ms/req")
		})
	}
}

// processCPU is this process's user and system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is another process's user and system CPU time from /proc/<pid>/stat (clock ticks of
// 10 ms: enough over thousands of requests).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from the 3rd (state) on
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
