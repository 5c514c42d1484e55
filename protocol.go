package flexcallback

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// The panel ⇄ shim protocol (DESIGN §4). Every message is a plain object carrying source, type and
// v; the other fields depend on the type. Message is flat so that the panel can decode any message
// with one json.Unmarshal of JSON.stringify(event.data).

// ProtocolVersion is the v of every message.
const ProtocolVersion = 1

// Message sources.
const (
	SourcePanel = "flexcallback-panel"
	SourceShim  = "flexcallback-shim"
)

// Message types.
const (
	MsgReady        = "ready"        // panel → shim: loaded and listening
	MsgContext      = "context"      // shim → panel: token, locale, task, worker, config
	MsgTask         = "task"         // shim → panel: the task again, after Flex updated it
	MsgAction       = "action"       // panel → shim: run a Flex action
	MsgActionResult = "actionResult" // shim → panel: the outcome of an action
	MsgNotify       = "notify"       // panel → shim: show a Flex notification
	MsgResize       = "resize"       // panel → shim: the content height in px
)

// Flex actions the panel may ask the shim to run.
const (
	ActionStartOutboundCall = "StartOutboundCall"
	ActionWrapupTask        = "WrapupTask"
	ActionSelectTask        = "SelectTask"
)

// Notification levels of a notify message.
const (
	LevelInfo    = "info"
	LevelSuccess = "success"
	LevelWarning = "warning"
	LevelError   = "error"
)

// DefaultPanelOrigin is the origin allowed to frame and talk to the panel when
// PANEL_ALLOWED_ORIGINS is unset.
const DefaultPanelOrigin = "https://flex.twilio.com"

// Message is one protocol message. Fields that a type does not use are left empty.
type Message struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	V      int    `json:"v"`

	// context (Task also in task)
	Token  string       `json:"token,omitempty"`
	Locale string       `json:"locale,omitempty"`
	Task   *PanelTask   `json:"task,omitempty"`
	Worker *PanelWorker `json:"worker,omitempty"`
	Config *PanelConfig `json:"config,omitempty"`

	// action and actionResult
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Payload any    `json:"payload,omitempty"`
	OK      bool   `json:"ok,omitempty"`
	Error   string `json:"error,omitempty"`

	// notify
	Level string `json:"level,omitempty"`
	Text  string `json:"text,omitempty"`

	// resize
	Height int `json:"height,omitempty"`
}

// PanelTask is the Flex task as the shim hands it over. Sid is the reservation (WR…), TaskSid the
// task (WT…): the reference uses both, and the outbound call needs the reservation.
type PanelTask struct {
	Sid         string         `json:"sid"`
	TaskSid     string         `json:"taskSid"`
	Status      string         `json:"status"`
	QueueSid    string         `json:"queueSid"`
	QueueName   string         `json:"queueName,omitempty"`
	Channel     string         `json:"channel,omitempty"`
	DateCreated string         `json:"dateCreated,omitempty"`
	Attributes  map[string]any `json:"attributes"`
	// OutboundCall is the call back placed from this task, when the shim saw one: Flex runs it as
	// a task of its own (callback-outbound, parentTask = Sid), so only the shim can tell.
	OutboundCall *OutboundCallState `json:"outboundCall,omitempty"`
}

// Outbound call statuses of OutboundCallState.
const (
	CallActive = "active" // the outbound call's task is assigned: the call is on
	CallEnded  = "ended"  // its task is in wrap-up, completed or gone: the call is over
)

// OutboundCallState is the call back of a task as the shim follows it.
type OutboundCallState struct {
	Status  string `json:"status"`  // CallActive or CallEnded
	CallSid string `json:"callSid"` // the customer's leg (CA…), "" while Flex has not named it
}

// PanelWorker is the agent looking at the panel.
type PanelWorker struct {
	Sid     string `json:"sid"`
	Offline bool   `json:"offline"`
}

// PanelConfig is the feature's Flex configuration (ui_attributes.custom_data), already resolved by
// the shim. The panel applies the backend's PanelRules over it: MaxAttempts here is Flex's
// max_attempts, read for compatibility, and yields to the backend's MAX_ATTEMPTS.
type PanelConfig struct {
	AllowRequeue    bool `json:"allowRequeue"`
	MaxAttempts     int  `json:"maxAttempts"`
	AutoSelectTask  bool `json:"autoSelectTask"`
	OutboundEnabled bool `json:"outboundEnabled"`
}

// NewReady is the panel's first message.
func NewReady() Message { return panelMessage(MsgReady) }

// NewAction asks the shim to run the Flex action name; the reply carries the same id.
func NewAction(id, name string, payload any) Message {
	m := panelMessage(MsgAction)
	m.ID, m.Name, m.Payload = id, name, payload
	return m
}

// NewNotify asks the shim to show text as a Flex notification of the given level.
func NewNotify(level, text string) Message {
	m := panelMessage(MsgNotify)
	m.Level, m.Text = level, text
	return m
}

// NewResize tells the shim the panel's content height in CSS pixels.
func NewResize(height int) Message {
	m := panelMessage(MsgResize)
	m.Height = height
	return m
}

func panelMessage(typ string) Message {
	return Message{Source: SourcePanel, Type: typ, V: ProtocolVersion}
}

// ParseShimMessage decodes a message the panel received and checks that it is one the shim may
// send, complete enough to act on. Anything else is ErrInvalid; the panel ignores it.
func ParseShimMessage(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, &Error{Kind: ErrInvalid, Message: "undecodable message", Err: err}
	}
	if m.Source != SourceShim {
		return Message{}, Invalid("source", "message source %q is not the shim", m.Source)
	}
	if m.V != ProtocolVersion {
		return Message{}, Invalid("v", "protocol version %d unsupported", m.V)
	}
	switch m.Type {
	case MsgContext:
		if m.Task == nil {
			return Message{}, Invalid("task", "context without task")
		}
		if m.Worker == nil {
			m.Worker = &PanelWorker{}
		}
		if m.Config == nil {
			m.Config = &PanelConfig{}
		}
	case MsgTask:
		if m.Task == nil {
			return Message{}, Invalid("task", "task message without task")
		}
	case MsgActionResult:
		if m.ID == "" {
			return Message{}, Invalid("id", "actionResult without id")
		}
	default:
		return Message{}, Invalid("type", "message type %q not sent by the shim", m.Type)
	}
	return m, nil
}

// ParseOrigins reads PANEL_ALLOWED_ORIGINS: comma-separated origins (scheme://host[:port]); empty
// means DefaultPanelOrigin. A value that is not an origin is ErrInvalid, so a typo fails at start
// rather than silently blocking every message.
func ParseOrigins(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		u, err := url.Parse(part)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, Invalid("PANEL_ALLOWED_ORIGINS", "%q is not an origin like https://flex.twilio.com", part)
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	if len(out) == 0 {
		out = []string{DefaultPanelOrigin}
	}
	return out, nil
}

// OriginAllowed reports whether origin, as a browser reports it in event.origin, is one of allowed.
func OriginAllowed(allowed []string, origin string) bool {
	for _, a := range allowed {
		if a == origin {
			return true
		}
	}
	return false
}

// String describes a message for logs without its token.
func (m Message) String() string {
	return fmt.Sprintf("%s/%s v%d id=%s", m.Source, m.Type, m.V, m.ID)
}
