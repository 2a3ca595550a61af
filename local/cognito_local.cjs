// Starts the pinned cognito-local (package.json) for `make local`, with one addition: every message it would
// send (confirmation codes, invitations) is also appended as a JSON line to the file LOCAL_MAILBOX names, the
// local mailbox that `python -m client mailbox EMAIL` reads. cognito-local otherwise only prints them.
"use strict";
const fs = require("node:fs");
const { ConsoleMessageSender } = require("cognito-local/lib/services/messageDelivery/consoleMessageSender");

const mailbox = process.env.LOCAL_MAILBOX;
const print = ConsoleMessageSender.prototype.sendToConsole;
ConsoleMessageSender.prototype.sendToConsole = function (ctx, user, destination, message) {
  const { __code: code, emailSubject, emailMessage, smsMessage } = message ?? {};
  const delivered = {
    time: new Date().toISOString(),
    username: user.Username,
    destination,
    code: code ?? null,
    subject: emailSubject ?? null,
    message: emailMessage ?? smsMessage ?? null,
  };
  fs.appendFileSync(mailbox, `${JSON.stringify(delivered)}\n`);
  return print.call(this, ctx, user, destination, message);
};

// It runs in a process group of its own (stopped by its id); should the local stack's supervisor die without
// stopping it (SIGKILL), it stops itself rather than linger.
const supervisor = Number(process.env.LOCAL_SUPERVISOR_PID);
setInterval(() => {
  try {
    process.kill(supervisor, 0);
  } catch {
    process.exit(0);
  }
}, 1000).unref();

require("cognito-local/lib/bin/start.js");
