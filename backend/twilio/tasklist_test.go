package twilio

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"flexcallback"
)

func TestReadTaskPage(t *testing.T) {
	attrs := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	body, _ := json.Marshal(map[string]any{
		"tasks": []map[string]any{
			{"sid": "WT1", "task_queue_sid": "WQ1", "assignment_status": "pending", "priority": 5, "date_created": "2026-01-02T03:04:05Z",
				"virtual_start_time": "2026-01-01T00:00:00Z", "age": 3, "reason": nil, "links": map[string]any{"x": []any{1.5, true, nil}},
				"attributes": attrs(map[string]any{"name": "Zoë \"Z\" \\ \u2603 😀", "conversations": map[string]any{"call_sid": "CAnested"},
					"call_sid": "CA1", "list": []any{map[string]any{"call_sid": "CAinlist"}}})},
			{"sid": "WT2", "assignment_status": "reserved", "priority": nil, "date_created": nil,
				"attributes": attrs(map[string]any{"conversations": map[string]any{"call_sid": "CAnested"}})},
			{"sid": "WT3", "attributes": attrs(map[string]any{"call_sid": 42})},
			{"sid": "WT4", "attributes": "not json"},
		},
		"meta": map[string]any{"page": 0, "next_page_url": "https://taskrouter.twilio.com/v1/Workspaces/WS1/Tasks?PageSize=50&Page=1&PageToken=PT50"},
	})
	refs, next, err := readTaskPage(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 4 || next != "https://taskrouter.twilio.com/v1/Workspaces/WS1/Tasks?PageSize=50&Page=1&PageToken=PT50" {
		t.Fatalf("%d refs, next %q", len(refs), next)
	}
	r := refs[0]
	if r.Sid != "WT1" || r.QueueSid != "WQ1" || r.Status != "pending" || r.Priority != 5 || r.CallSid != "CA1" ||
		!r.DateCreated.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || !r.VirtualStartTime.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ref 0 = %+v", r)
	}
	for i, want := range []string{"CA1", "", "", ""} { // only a top-level string call_sid counts
		if refs[i].CallSid != want {
			t.Errorf("ref %d call_sid %q, want %q", i, refs[i].CallSid, want)
		}
	}
	if refs[1].Status != "reserved" || refs[1].QueueSid != "" || refs[1].Priority != 0 || !refs[1].DateCreated.IsZero() {
		t.Errorf("ref 1 = %+v", refs[1])
	}
	if _, next, err := readTaskPage([]byte(`{"tasks":[],"meta":{"next_page_url":null}}`)); err != nil || next != "" {
		t.Errorf("last page: %q %v", next, err)
	}
}

func TestStringsAsEncodingJSON(t *testing.T) {
	for _, s := range []string{"plain", `q"uote\back/slash`, "\b\f\n\r\t", "\u00e9\u2603", "😀 \U0001F600", "\x01\x1f",
		`ends\`, `ends\\`, `\"`, `"`, ""} {
		raw, _ := json.Marshal(s)
		got, err := unescape(raw[1 : len(raw)-1])
		if err != nil || got != s {
			t.Errorf("unescape(%s) = %q %v, want %q", raw, got, err, s)
		}
		body, _ := json.Marshal(map[string]any{"tasks": []map[string]string{{"sid": s, "assignment_status": "pending"}}})
		if refs, _, err := readTaskPage(body); err != nil || refs[0].Sid != s || refs[0].Status != "pending" {
			t.Errorf("read %s: %+v %v", body, refs, err)
		}
	}
	if got, err := unescape([]byte(`\ud83d\ude00`)); err != nil || got != "😀" {
		t.Errorf("surrogate pair: %q %v", got, err)
	}
}

func FuzzReadTaskPage(f *testing.F) {
	f.Add([]byte(`{"tasks":[{"sid":"WT1","attributes":"{\"call_sid\":\"CA1\"}","priority":1}],"meta":{"next_page_url":null}}`))
	f.Add([]byte(`{"tasks":[{"attributes":"\ud83d"}]}`))
	f.Add([]byte(`{"tasks":[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		readTaskPage(b) // must not panic
	})
}

// TestReadTaskAsTwilioGo: the one-pass reader of a created task gives what decoding twilio-go's
// model and converting it gave, for Twilio's own example and for nulls, escapes and odd numbers.
func TestReadTaskAsTwilioGo(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "task_create.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(fixture, &doc); err != nil {
		t.Fatal(err)
	}
	variant := func(change map[string]any) []byte {
		v := maps.Clone(doc)
		maps.Copy(v, change)
		b, _ := json.Marshal(v)
		return b
	}
	for name, body := range map[string][]byte{
		"twilio's example": fixture,
		"nulls":            variant(map[string]any{"task_queue_sid": nil, "reason": nil, "virtual_start_time": nil, "timeout": nil}),
		"escapes":          variant(map[string]any{"attributes": `{"name":"Zoë \"Z\" \\ ☃ 😀","callBackData":{"requests":[{"at":"x"}]}}`, "reason": "a\nb"}),
		"fractional dates": variant(map[string]any{"date_created": "2026-11-30T07:00:00.123Z", "date_updated": "2026-11-30T08:00:00+01:00"}),
	} {
		var model taskrouter.TaskrouterV1Task
		if err := json.Unmarshal(body, &model); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := taskOf(model, `"etag"`)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := readTask(body, `"etag"`)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	for _, bad := range []string{`{"sid":"WT1","attributes":"not json"}`, `{"sid":"WT1"`, `[]`, ``} {
		if _, err := readTask([]byte(bad), ""); !errors.Is(err, flexcallback.ErrInternal) {
			t.Errorf("readTask(%q) = %v; want ErrInternal", bad, err)
		}
	}
}
