/** The usage of the `hatchway` command as a whole (each command has its own, next to it). */
export const MAIN_HELP = `Usage: hatchway <command> [options]

Commands:
  connect <ws-url>    a WebSocket client: stdin lines out as messages, messages out on stdout
  listen              a WebSocket echo server (--broadcast, --sse PATH for an event stream)
  sse <http-url>      print the events of an event stream, reconnecting with Last-Event-ID

Run 'hatchway <command> --help' for the options of each command.
`;
