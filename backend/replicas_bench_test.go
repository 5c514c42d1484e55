package main

import (
	"context"
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

	"github.com/redis/go-redis/v9"

	"flexcallback/backend/redistest"
)

// BenchmarkReplicas: three replicas (runWith, in this process) behind one sandbox take
// create-callback requests from 32 concurrent clients spread over all three, first with each
// replica's own memory as the store, then sharing one real redis-server; then both again without
// merging a caller's requests into their open callback (issue 15). Reported: req/s, p99,
// CPU-ms per request of this process (the replicas, their sandbox and the load generator: the
// same work in both runs, so the difference is the store's) and of redis-server, and Redis
// commands per request (INFO commandstats).
//
//	go test -run '^$' -bench BenchmarkReplicas -benchtime 1x ./backend/
func BenchmarkReplicas(b *testing.B) {
	for _, row := range []struct{ store, merge string }{{"memory", "1"}, {"redis", "1"}, {"memory", "0"}, {"redis", "0"}} {
		name := row.store
		if row.merge == "0" {
			name += "-no-merge" // MERGE_OPEN_CALLBACKS=0: no record per caller, the request's own only
		}
		store := row.store
		b.Run(name, func(b *testing.B) {
			env := map[string]string{"LOG_LEVEL": "error", "MERGE_OPEN_CALLBACKS": row.merge}
			if store == "memory" {
				env["REDIS_URL"] = ""
			}
			c := startCluster(b, 3, env)
			const clients = 32
			n := max(b.N, 15000) // a few seconds: shorter runs swung more than the store's effect
			hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxIdleConns: 3 * clients}}
			for _, a := range c.reps {
				a.hc = hc
			}
			workflow := c.reps[0].info.Workflows["default"]
			lat := make(latencies, n)
			var next atomic.Int64
			var failed atomic.Int64
			var wg sync.WaitGroup
			cpu0, redis0, cmds0 := processCPU(), procCPU(c.redis.Pid()), redisCommands(b, c.redis)
			start := time.Now()
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= n {
							return
						}
						form := url.Values{"numberToCall": {fmt.Sprintf("+14152%06d", i)}, "numberToCallFrom": {ourLine},
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
			cmds := redisCommands(b, c.redis)
			var calls int64
			for name, after := range cmds {
				if d := after - cmds0[name]; d > 0 {
					calls += d
					b.Logf("%s: %.2f per request", strings.TrimPrefix(name, "cmdstat_"), float64(d)/float64(n))
				}
			}
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
			b.ReportMetric(float64(calls)/float64(n), "redis-cmds/req")
		})
	}
}

// redisCommands is redis-server's count of calls by command (INFO commandstats), without the
// INFO calls that read it.
func redisCommands(b *testing.B, s *redistest.Server) map[string]int64 {
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port), DisableIdentity: true})
	defer rdb.Close()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	calls := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" {
			continue
		}
		for _, f := range strings.Split(stats, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				calls[name], _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	return calls
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
