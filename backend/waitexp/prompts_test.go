package waitexp

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden TwiML in testdata/")

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		extra     []string
		open      bool // the caller has an open callback
		slots     bool // WAIT_CALLBACK_SLOTS (withSlots)
		closed    bool // outside business hours (BUSINESS_HOURS_FILE)
	}{
		{"main-wait-loop", mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid), nil, false, false, false},
		{"callback-menu", mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid), []string{"Digits", "*"}, false, false, false},
		{"callback-choice", mode(modeCallbackOrVoicemail, "CallSid", callSid, "enqueuedTaskSid", taskSid), []string{"Digits", "1"}, false, false, false},
		{"other-number-readback", mode(modeOtherNumberOption, "CallSid", callSid, "enqueuedTaskSid", taskSid), []string{"Digits", "4155552671"}, false, false, false},
		{"record-voicemail", mode(modeRecordVoicemail, "CallSid", callSid, "enqueuedTaskSid", taskSid), nil, false, false, false},
		{"main-wait-loop-es", mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid, "lang", "es-MX"), nil, false, false, false},
		{"callback-arranged", mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid), []string{"Digits", "*"}, true, false, false},
		{"callback-arranged-es", mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid, "lang", "es-MX"), []string{"Digits", "*"}, true, false, false},
		{"callback-when", mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller), nil, false, true, false},
		{"callback-when-es", mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller, "lang", "es-MX"), nil, false, true, false},
		{"callback-scheduled-es", mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller, "lang", "es-MX",
			"slots", "1795636800,1795705200"), []string{"Digits", "3"}, false, true, false},
		{"closed-choice", mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid), []string{"Digits", "*"}, false, false, true},
		{"closed-choice-es", mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid, "lang", "es-MX"), []string{"Digits", "*"}, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			if tc.slots {
				opts, _ = withSlots(t)
			}
			if tc.closed {
				ny, _ := time.LoadLocation("America/New_York")
				opts.Hours = fixedHours{next: time.Date(2026, 11, 26, 9, 0, 0, 0, ny), loc: ny}
			}
			en := newEnv(t, opts)
			en.addCallTask()
			if tc.open {
				en.creator.open = map[string]string{caller: "WTopen"}
			}
			got := en.do(tc.url, tc.extra...).body
			// One attribute or element per line, so a diff reads.
			got = strings.NewReplacer("><", ">\n<", `" `, "\"\n  ").Replace(got) + "\n"
			path := filepath.Join("testdata", tc.name+".xml")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("TwiML differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

func TestLoadPrompts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := LoadPrompts(write("ok.json", `{"en-US": {"voice": "Polly.Matthew", "prompts": {"initialGreeting": "Hello & welcome."}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p["en-US"].Voice != "Polly.Matthew" || p["en-US"].Prompts[keyInitialGreeting] != "Hello & welcome." ||
		p["en-US"].Prompts[keyProcessingError] == "" || p["es-MX"].Voice != "Polly.Mia" {
		t.Errorf("merged prompts wrong: %+v", p["en-US"])
	}

	for name, body := range map[string]string{
		"unknown-key.json":   `{"en-US": {"prompts": {"initialGreetin": "typo"}}}`,
		"incomplete.json":    `{"fr-FR": {"voice": "Polly.Lea", "prompts": {"initialGreeting": "Bonjour"}}}`,
		"bad.json":           `{"en-US": `,
		"unknown-field.json": `{"en-US": {"voix": "x"}}`,
	} {
		if _, err := LoadPrompts(write(name, body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := LoadPrompts(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}

	// A complete new language works end to end.
	fr := map[string]string{}
	for k, v := range builtinPrompts["en-US"].Prompts {
		fr[k] = "FR " + v
	}
	var b strings.Builder
	b.WriteString(`{"fr-FR": {"voice": "Polly.Lea", "prompts": {`)
	first := true
	for k, v := range fr {
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(`"` + k + `": "` + strings.ReplaceAll(v, `"`, `\"`) + `"`)
	}
	b.WriteString("}}}")
	opts := testOptions()
	opts.PromptsFile = write("fr.json", b.String())
	opts.Language = "fr"
	en := newEnv(t, opts)
	en.addCallTask()
	r := en.do(mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid))
	say := r.must("Say")
	if say.attr("language") != "fr-FR" || say.attr("voice") != "Polly.Lea" || !strings.HasPrefix(say.text(), "FR ") {
		t.Errorf("french Say = %s", r.body)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tw := newTwilio()
	for name, change := range map[string]func(*Options){
		"relative endpoint":   func(o *Options) { o.Endpoint = "cb.example.com/wait" },
		"relative hold music": func(o *Options) { o.HoldMusicURL = "/web/hold-music.mp3" },
		"no language":         func(o *Options) { o.Language = "" },
		"unknown language":    func(o *Options) { o.Language = "de-DE" },
		"bad prompts":         func(o *Options) { o.PromptsFile = "/nonexistent/prompts.json" },
		"no record attempts":  func(o *Options) { o.MaxRecordAttempts = 0 },
		"no record length":    func(o *Options) { o.MaxRecordLength = 0 },
		"no region":           func(o *Options) { o.Region = "" },
	} {
		opts := testOptions()
		change(&opts)
		if _, err := New(opts, tw, tw, newFakeCreator(tw.Journal), nil, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
