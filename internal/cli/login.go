package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/registry"
)

// loginOptions are `hull login`'s flags.
type loginOptions struct {
	user, password string
	passwordStdin  bool
}

// runLogin checks the credentials with the registry and stores them in
// Docker's config.json, so docker and hull share logins.
func runLogin(ctx context.Context, e *env, args []string) error {
	var o loginOptions
	fs := e.newFlags("login")
	fs.String(&o.user, "u", "username", "Username")
	fs.String(&o.password, "p", "password", "Password")
	fs.Bool(&o.passwordStdin, "", "password-stdin", "Take the password from stdin")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("login: at most 1 argument")
	}
	server := ""
	if len(pos) == 1 {
		server = pos[0]
	}
	if err := e.credentials(&o); err != nil {
		return err
	}
	if err := registry.Login(ctx, server, o.user, o.password, ""); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Login Succeeded")
	return nil
}

// credentials fills in what the flags left out: the password from stdin,
// or both by prompting on a terminal.
func (e *env) credentials(o *loginOptions) error {
	if o.password != "" {
		fmt.Fprintln(e.stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
	}
	if o.passwordStdin {
		if o.password != "" {
			return fmt.Errorf("--password and --password-stdin are mutually exclusive")
		}
		if o.user == "" {
			return fmt.Errorf("must provide --username with --password-stdin")
		}
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			return fmt.Errorf("reading password from stdin: %w", err)
		}
		o.password = strings.TrimRight(string(b), "\r\n")
		return nil
	}
	if o.user != "" && o.password != "" {
		return nil
	}
	if !isTerminal(e.stdin) {
		return fmt.Errorf("cannot perform an interactive login from a non TTY device")
	}
	return e.prompt(o)
}

// prompt asks for what is missing, with echo off for the password.
func (e *env) prompt(o *loginOptions) error {
	in := bufio.NewReader(e.stdin)
	if o.user == "" {
		fmt.Fprint(e.stdout, "Username: ")
		line, _ := in.ReadString('\n')
		o.user = strings.TrimSpace(line)
	}
	fmt.Fprint(e.stdout, "Password: ")
	restore := noEcho(e.stdin)
	line, _ := in.ReadString('\n')
	restore()
	fmt.Fprintln(e.stdout)
	o.password = strings.TrimRight(line, "\r\n")
	if o.user == "" || o.password == "" {
		return fmt.Errorf("username and password are required")
	}
	return nil
}

// noEcho turns the terminal's echo off and returns how to turn it back on.
func noEcho(v any) func() {
	f, ok := v.(*os.File)
	if !ok {
		return func() {}
	}
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	saved := *t
	t.Lflag &^= unix.ECHO
	unix.IoctlSetTermios(fd, unix.TCSETS, t)
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, &saved) }
}

func runLogout(ctx context.Context, e *env, args []string) error {
	pos, err := e.newFlags("logout").parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("logout: at most 1 argument")
	}
	server := ""
	if len(pos) == 1 {
		server = pos[0]
	}
	shown := server
	if shown == "" {
		shown = "https://index.docker.io/v1/"
	}
	err = registry.Logout(server, "")
	if errdefs.IsNotFound(err) {
		fmt.Fprintf(e.stdout, "Not logged in to %s\n", shown)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Removing login credentials for %s\n", shown)
	return nil
}
