// Package setup is `flexcallback setup`: it finds what the feature needs in a Twilio account
// (the Flex workspace, the callback workflow, the voice task channel), plans or applies Flex's
// configuration and the Studio flows made from the templates in templates/, writes the SIDs
// into a .env file, and checks that every webhook URL pointing at this backend is exactly
// PUBLIC_BASE_URL's, which is what Twilio's signatures cover.
package setup

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"text/tabwriter"

	"flexcallback/backend/twilio"
)

// Config is what setup needs of the backend's configuration.
type Config struct {
	Twilio              twilio.Config // credentials, APIBase, Region, Retry; WorkspaceSid may be ""
	WorkspaceSid        string        // TWILIO_FLEX_WORKSPACE_SID, or "" to find it by name
	CallbackWorkflowSid string        // TWILIO_FLEX_CALLBACK_WORKFLOW_SID, or "" to find it by name
	PublicBaseURL       string
	MaxAttempts         int
	Templates           fs.FS // nil: the embedded templates/
}

// ErrProblems is returned when setup or the check found something wrong (exit status 1).
var ErrProblems = errors.New("setup found problems")

// Options are the command's flags.
type Options struct {
	Apply    bool   // make the changes (default: plan only)
	Check    bool   // only check the webhook URLs
	WriteEnv string // a .env file to write the SIDs into
}

// Main runs `setup [--apply] [--check] [--write-env FILE]` or `setup studio --print NAME`.
func Main(ctx context.Context, args []string, cfg Config, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "studio" {
		fl := flag.NewFlagSet("setup studio", flag.ContinueOnError)
		fl.SetOutput(stderr)
		name := fl.String("print", "", "print one flow's JSON: "+strings.Join(templateNames(), ", "))
		if err := fl.Parse(args[1:]); err != nil {
			return err
		}
		if *name == "" {
			return fmt.Errorf("setup studio: --print NAME is required (one of %s)", strings.Join(templateNames(), ", "))
		}
		return PrintFlow(ctx, cfg, *name, stdout)
	}
	fl := flag.NewFlagSet("setup", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var o Options
	fl.BoolVar(&o.Apply, "apply", false, "make the changes (without it, setup only reads and plans)")
	fl.BoolVar(&o.Check, "check", false, "check every webhook URL pointing at this backend against PUBLIC_BASE_URL; exit 1 on a mismatch")
	fl.StringVar(&o.WriteEnv, "write-env", "", "write the SIDs found into this .env file, keeping its other lines")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if o.Check {
		res, err := Check(ctx, cfg)
		if err != nil {
			return err
		}
		return PrintCheck(stdout, res)
	}
	return Run(ctx, cfg, o, stdout)
}

// row is one line of the table: an item, what was found, what would be or was done.
type row struct{ item, found, action string }

// plan gathers the table and the problems of one run, and the changes to make: nothing is
// changed until every item is planned without a problem.
type plan struct {
	rows     []row
	problems []string
	changed  int
	pending  []change
}

// change is one planned change: do makes it and says what it did, for row's action.
type change struct {
	row int
	do  func(ctx context.Context) (string, error)
}

func (p *plan) add(item, found, action string) { p.rows = append(p.rows, row{item, found, action}) }

// propose adds a row that would do what, and the change that does it.
func (p *plan) propose(item, found, what string, do func(ctx context.Context) (string, error)) {
	p.add(item, found, "would "+what)
	p.changed++
	p.pending = append(p.pending, change{row: len(p.rows) - 1, do: do})
}

// apply makes the planned changes in order, each row saying what was done; it stops at the
// first failure.
func (p *plan) apply(ctx context.Context) {
	if len(p.problems) > 0 {
		if len(p.pending) > 0 {
			p.add("changes", "", "none made: fix the problems above first")
		}
		return
	}
	for _, c := range p.pending {
		r := &p.rows[c.row]
		did, err := c.do(ctx)
		if err != nil {
			r.action = "PROBLEM: " + short(err)
			p.problems = append(p.problems, r.item+": "+short(err))
			return
		}
		r.action = did
	}
}

func (p *plan) fail(item, found, problem string) {
	p.add(item, found, "PROBLEM: "+problem)
	p.problems = append(p.problems, item+": "+problem)
}

// Run discovers, plans and, with o.Apply, applies; it prints the table to w.
func Run(ctx context.Context, cfg Config, o Options, w io.Writer) error {
	if o.Apply {
		fmt.Fprintln(w, "flexcallback setup --apply")
	} else {
		fmt.Fprintln(w, "flexcallback setup (plan only: nothing is changed; run with --apply to make the changes)")
	}
	p := &plan{}
	err := run(ctx, cfg, o, p)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ITEM\tFOUND\tACTION")
	for _, r := range p.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.item, r.found, r.action)
	}
	tw.Flush()
	if err != nil {
		return err
	}
	switch {
	case len(p.problems) > 0:
		return fmt.Errorf("%w: %s", ErrProblems, strings.Join(p.problems, "; "))
	case o.Apply && p.changed == 0:
		fmt.Fprintln(w, "Nothing changed: the account was already set up.")
	case o.Apply:
		fmt.Fprintf(w, "%d change(s) made.\n", p.changed)
	case p.changed > 0:
		fmt.Fprintf(w, "%d change(s) planned; run again with --apply to make them.\n", p.changed)
	default:
		fmt.Fprintln(w, "Nothing to change: the account is set up.")
	}
	return nil
}

func run(ctx context.Context, cfg Config, o Options, p *plan) error {
	found, err := discover(ctx, cfg, p)
	if err != nil || found == nil {
		return err
	}
	if o.WriteEnv != "" {
		writeEnvRow(o.WriteEnv, found, p)
	}
	flexConfiguration(ctx, cfg, found, p)
	if err := studioFlows(ctx, cfg, found, p); err != nil {
		return err
	}
	if o.Apply {
		p.apply(ctx)
	}
	return nil
}

// PrintCheck prints the check's lines; it returns ErrProblems when there are problems.
func PrintCheck(w io.Writer, res CheckResult) error {
	for _, pr := range res.Problems {
		fmt.Fprintln(w, pr)
	}
	fmt.Fprintln(w, QueueNote)
	if len(res.Problems) > 0 {
		return fmt.Errorf("%w: %d webhook problem(s) in %d URL(s) checked", ErrProblems, len(res.Problems), res.Checked)
	}
	fmt.Fprintf(w, "check: all %d webhook URL(s) pointing at this backend match PUBLIC_BASE_URL\n", res.Checked)
	return nil
}
