package setup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
)

// writeEnvRow writes the SIDs into the .env file at path and adds the table's row.
func writeEnvRow(path string, f *found, p *plan) {
	changed, err := writeEnv(path, map[string]string{
		"TWILIO_FLEX_WORKSPACE_SID":         f.workspaceSid,
		"TWILIO_FLEX_CALLBACK_WORKFLOW_SID": f.callbackWorkflowSid,
	}, []string{"TWILIO_FLEX_WORKSPACE_SID", "TWILIO_FLEX_CALLBACK_WORKFLOW_SID"})
	switch {
	case err != nil:
		p.fail(path, "", err.Error())
	case len(changed) == 0:
		p.add(path, "SIDs already there", "unchanged")
	default:
		p.add(path, "", "wrote "+strings.Join(changed, ", "))
	}
}

// writeEnv sets each variable in the .env file at path: a line "NAME=…" (or "export NAME=…")
// is replaced in place, a missing one appended; every other line stays as it was. It returns
// the names it changed, and writes nothing when there are none.
func writeEnv(path string, vals map[string]string, order []string) ([]string, error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var out bytes.Buffer
	seen := map[string]bool{}
	var changed []string
	sc := bufio.NewScanner(bytes.NewReader(old))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
		name = strings.TrimSpace(name)
		if v, ours := vals[name]; ok && ours && !seen[name] {
			seen[name] = true
			if want := name + "=" + v; strings.TrimSpace(line) != want {
				line = want
				changed = append(changed, name)
			}
		}
		out.WriteString(line + "\n")
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, name := range order {
		if !seen[name] {
			out.WriteString(name + "=" + vals[name] + "\n")
			changed = append(changed, name)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	mode := os.FileMode(0o600) // a .env holds credentials
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.WriteFile(path, out.Bytes(), mode); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return changed, nil
}
