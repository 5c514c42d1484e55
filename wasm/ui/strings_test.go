package ui

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

var placeholder = regexp.MustCompile(`\{\{\w+\}\}`)

func TestEveryLocaleTranslatesEveryKey(t *testing.T) {
	en := dictionaries[defaultLocale]
	if len(en) < 20 {
		t.Fatalf("en-US has %d keys, want at least the reference's 20", len(en))
	}
	for _, l := range localeOrder {
		d, ok := dictionaries[l]
		if !ok {
			t.Errorf("no dictionary for %s", l)
			continue
		}
		for k, enText := range en {
			s, ok := d[k]
			if !ok || s == "" {
				t.Errorf("%s: missing %s", l, k)
				continue
			}
			if l != defaultLocale && s == enText && placeholder.ReplaceAllString(s, "") != "" && k != keyAttempts {
				t.Errorf("%s: %s left in English: %q", l, k, s)
			}
			got, want := placeholder.FindAllString(s, -1), placeholder.FindAllString(enText, -1)
			sort.Strings(got)
			sort.Strings(want)
			if len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) {
				t.Errorf("%s: %s placeholders %v, want %v", l, k, got, want)
			}
		}
		if len(d) != len(en) {
			t.Errorf("%s has %d keys, en-US %d", l, len(d), len(en))
		}
	}
}

func TestMatchLocale(t *testing.T) {
	for in, want := range map[string]string{
		"es-MX": "es-MX", "es-mx": "es-MX", "es_ES": "es-ES", "es-AR": "es-MX", "es": "es-MX",
		"pt-PT": "pt-BR", "th-TH": "th", "zh-Hans": "zh-Hans", "zh-CN": "zh-Hans", "en-GB": "en-US",
		"de-DE": "en-US", "": "en-US", "default": "en-US",
	} {
		if got := matchLocale(in); got != want {
			t.Errorf("matchLocale(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTr(t *testing.T) {
	if got, want := tr("en-US", keyPlaceCallNow, map[string]string{"phoneNumber": "+1555"}), "Place Call Now To +1555"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := tr("th", keyAttempts, map[string]string{"thisAttempt": "1", "maxAttempts": "3"}), "1 จาก 3"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := tr("xx", "NoSuchKey", nil); got != "NoSuchKey" {
		t.Errorf("unknown key = %q", got)
	}
}

// TestFillDoesWhatAReplacerDoes checks fill against the strings.Replacer tr used to build.
func TestFillDoesWhatAReplacerDoes(t *testing.T) {
	args := map[string]string{"a": "A{{b}}", "b": "B", "phoneNumber": "+1555"}
	for _, s := range []string{
		"", "plain", "{{a}}", "x{{a}}y{{b}}z", "{{{a}}}", "{{{{a}}", "{{x{{a}}", "{{c}} {{a}}", "{{a", "a}}", "{{}}",
		"{{phoneNumber}}{{phoneNumber}}", "{{a}}}}", "สวัสดี {{b}} 你好",
	} {
		r := strings.NewReplacer("{{a}}", args["a"], "{{b}}", args["b"], "{{phoneNumber}}", args["phoneNumber"])
		if got, want := fill(s, args), r.Replace(s); got != want {
			t.Errorf("fill(%q) = %q, a Replacer gives %q", s, got, want)
		}
	}
}
