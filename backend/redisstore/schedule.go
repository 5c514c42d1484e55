package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"flexcallback"
)

// Schedule is the flexcallback.Schedule replicas share: a sorted set of IDs scored by the time
// each becomes visible (its due time, or the end of a claim's lease) and a hash of the entries.
// Unlike the Store it has no memory fallback: a scheduled request must not live in one replica
// alone, so while Redis is unreachable scheduling fails (503) and the schedulers wait for it.
type Schedule struct {
	rdb       *redis.Client
	due, data string
}

// Schedule returns the store's schedule, under its prefix.
func (s *Store) Schedule() *Schedule {
	return &Schedule{rdb: s.rdb, due: s.key("schedule:due"), data: s.key("schedule:data")}
}

var (
	addScheduled = redis.NewScript(`
if redis.call("HSETNX", KEYS[2], ARGV[1], ARGV[3]) == 0 then return 0 end
redis.call("ZADD", KEYS[1], ARGV[2], ARGV[1])
return 1`)
	claimScheduled = redis.NewScript(`
local at = redis.call("ZSCORE", KEYS[1], ARGV[1])
if not at or tonumber(at) > tonumber(ARGV[2]) then return 0 end
redis.call("ZADD", KEYS[1], ARGV[3], ARGV[1])
return 1`)
	doneScheduled = redis.NewScript(`
redis.call("HDEL", KEYS[2], ARGV[1])
return redis.call("ZREM", KEYS[1], ARGV[1])`)
)

// Add keeps s unless its ID is held.
func (q *Schedule) Add(ctx context.Context, s flexcallback.Scheduled) (bool, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return false, fmt.Errorf("encode scheduled request: %w", err)
	}
	n, err := addScheduled.Run(ctx, q.rdb, []string{q.due, q.data}, s.ID, ms(s.Due), b).Int()
	if err != nil {
		return false, unavailable("keep a scheduled request", err)
	}
	return n == 1, nil
}

// Count is how many entries the sorted set holds.
func (q *Schedule) Count(ctx context.Context) (int, error) {
	n, err := q.rdb.ZCard(ctx, q.due).Result()
	if err != nil {
		return 0, unavailable("count scheduled requests", err)
	}
	return int(n), nil
}

// Due returns the entries visible at now, earliest first.
func (q *Schedule) Due(ctx context.Context, now time.Time, limit int) ([]flexcallback.Scheduled, error) {
	ids, err := q.rdb.ZRangeByScore(ctx, q.due, &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(ms(now), 10), Count: int64(limit)}).Result()
	if err != nil {
		return nil, unavailable("read due requests", err)
	}
	return q.entries(ctx, ids)
}

// Claim hides id until now+lease if it is visible at now.
func (q *Schedule) Claim(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	n, err := claimScheduled.Run(ctx, q.rdb, []string{q.due}, id, ms(now), ms(now.Add(lease))).Int()
	if err != nil {
		return false, unavailable("claim a scheduled request", err)
	}
	return n == 1, nil
}

// Done removes id.
func (q *Schedule) Done(ctx context.Context, id string) (bool, error) {
	n, err := doneScheduled.Run(ctx, q.rdb, []string{q.due, q.data}, id).Int()
	if err != nil {
		return false, unavailable("remove a scheduled request", err)
	}
	return n == 1, nil
}

// List returns at most limit entries, earliest Due first.
func (q *Schedule) List(ctx context.Context, limit int) ([]flexcallback.Scheduled, error) {
	ids, err := q.rdb.ZRange(ctx, q.due, 0, int64(limit)-1).Result()
	if err != nil {
		return nil, unavailable("list scheduled requests", err)
	}
	out, err := q.entries(ctx, ids)
	slices.SortFunc(out, func(a, b flexcallback.Scheduled) int { return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID)) })
	return out, err
}

// entries reads ids' entries; one removed meanwhile is left out.
func (q *Schedule) entries(ctx context.Context, ids []string) ([]flexcallback.Scheduled, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	vals, err := q.rdb.HMGet(ctx, q.data, ids...).Result()
	if err != nil {
		return nil, unavailable("read scheduled requests", err)
	}
	out := make([]flexcallback.Scheduled, 0, len(vals))
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var s flexcallback.Scheduled
		if err := json.Unmarshal([]byte(str), &s); err != nil {
			return nil, fmt.Errorf("decode scheduled request: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func unavailable(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Message: "the schedule (Redis) is unreachable", Err: fmt.Errorf("%s: %w", what, err)}
}
