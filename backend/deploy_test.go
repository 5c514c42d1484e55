package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// knownVariables is every variable loadConfig reads, learnt by asking it (in both modes).
func knownVariables() map[string]bool {
	known := map[string]bool{}
	for _, mode := range []string{"", "1"} {
		loadConfig(func(k string) string {
			known[k] = true
			if k == "SANDBOX" {
				return mode
			}
			return ""
		})
	}
	return known
}

// checkDeployEnv asserts that every variable env sets is one the configuration knows, that the
// configuration accepts them as a whole (so every required one is set) and that REDIS_URL is.
func checkDeployEnv(t *testing.T, file string, env map[string]string) {
	t.Helper()
	known := knownVariables()
	for k := range env {
		if !known[k] {
			t.Errorf("%s sets %s, which the configuration does not read", file, k)
		}
	}
	if env["REDIS_URL"] == "" {
		t.Errorf("%s runs several replicas without REDIS_URL", file)
	}
	if _, _, err := loadConfig(func(k string) string { return env[k] }); err != nil {
		t.Errorf("%s: %v", file, err)
	}
}

func readYAML(t *testing.T, path string, out any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestDeployKubernetesEnv(t *testing.T) {
	var secret struct {
		StringData map[string]string `yaml:"stringData"`
	}
	readYAML(t, "../deploy/kubernetes/secret.template.yaml", &secret)
	var deploy struct {
		Spec struct {
			Replicas int
			Template struct {
				Spec struct {
					Containers []struct {
						Env     []struct{ Name, Value string }
						EnvFrom []struct {
							SecretRef struct{ Name string } `yaml:"secretRef"`
						} `yaml:"envFrom"`
						ReadinessProbe struct {
							HTTPGet struct{ Path string } `yaml:"httpGet"`
						} `yaml:"readinessProbe"`
						LivenessProbe struct {
							HTTPGet struct{ Path string } `yaml:"httpGet"`
						} `yaml:"livenessProbe"`
					}
				}
			}
		}
	}
	readYAML(t, "../deploy/kubernetes/deployment.yaml", &deploy)
	if deploy.Spec.Replicas != 3 || len(deploy.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("deployment: %d replicas, %d containers", deploy.Spec.Replicas, len(deploy.Spec.Template.Spec.Containers))
	}
	c := deploy.Spec.Template.Spec.Containers[0]
	if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probes: readiness %q, liveness %q", c.ReadinessProbe.HTTPGet.Path, c.LivenessProbe.HTTPGet.Path)
	}
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.SecretRef.Name == "flexcallback" {
			for k, v := range secret.StringData {
				env[k] = v
			}
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	checkDeployEnv(t, "deploy/kubernetes", env)
}

// composeVar is compose's ${NAME}, ${NAME:-default} or ${NAME:?message}.
var composeVar = regexp.MustCompile(`\$\{([A-Z_]+)(?::[-?][^}]*)?\}`)

func TestDeployComposeEnv(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Environment map[string]string
		}
	}
	readYAML(t, "../deploy/compose.yaml", &compose)
	// What an operator puts in deploy/.env.
	dotEnv := map[string]string{
		"TWILIO_ACCOUNT_SID": "AC" + strings.Repeat("0", 32), "TWILIO_AUTH_TOKEN": "token",
		"TWILIO_FLEX_WORKSPACE_SID": "WS" + strings.Repeat("0", 32), "TWILIO_FLEX_CALLBACK_WORKFLOW_SID": "WW" + strings.Repeat("0", 32),
		"PUBLIC_BASE_URL": "https://callbacks.example.com",
	}
	var backends []string
	for name, s := range compose.Services {
		if s.Environment == nil {
			continue
		}
		backends = append(backends, name)
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k] = composeVar.ReplaceAllStringFunc(v, func(m string) string { return dotEnv[composeVar.FindStringSubmatch(m)[1]] })
		}
		checkDeployEnv(t, "deploy/compose.yaml "+name, env)
	}
	slices.Sort(backends)
	if len(backends) != 2 {
		t.Errorf("compose runs backends %v, want two replicas", backends)
	}
}

// A bad REDIS_URL is reported at start without its value, which may hold a password.
func TestConfigRedisURL(t *testing.T) {
	for _, u := range []string{"http://:secret@host:6379", "redis://:secret@host:notaport/0"} {
		_, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "REDIS_URL": u}))
		if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || strings.Contains(err.Error(), "secret") {
			t.Errorf("REDIS_URL %q: %v", u, err)
		}
	}
	c, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "REDIS_URL": "rediss://:pw@host:6380/2"}))
	if err != nil || c.RedisPrefix != "flexcallback:" {
		t.Errorf("rediss URL: %v, prefix %q", err, c.RedisPrefix)
	}
}
