// The Accord extension's client: starts `accord lsp` (the binary of the `accord.path`
// setting) over stdio for `.accord` files, restarts it on `Accord: Restart Language Server`
// and when the setting changes.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

function serverOptions() {
  const command = vscode.workspace.getConfiguration('accord').get('path') || 'accord';
  const executable = { command, args: ['lsp'] };
  return { run: executable, debug: executable };
}

async function start() {
  client = new LanguageClient('accord', 'Accord', serverOptions(), {
    documentSelector: [{ scheme: 'file', language: 'accord' }],
    synchronize: {
      // Files created, deleted or renamed outside the editor: the server lists the
      // workspace again.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.accord'),
    },
  });
  try {
    await client.start();
  } catch (e) {
    const path = serverOptions().run.command;
    vscode.window.showErrorMessage(
      `Accord: could not start \`${path} lsp\` (${e.message}). Set \`accord.path\` to the accord binary.`,
    );
  }
}

async function restart() {
  if (client) {
    const old = client;
    client = undefined;
    await old.stop().catch(() => {});
  }
  await start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('accord.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('accord.path')) {
        restart();
      }
    }),
  );
  await start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
