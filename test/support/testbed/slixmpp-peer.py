#!/usr/bin/python3
"""A third-party XMPP client for the test bed, built on slixmpp (Debian: python3-slixmpp).

Driven by test/support/testbed/slixmpp-peer.ts over a line protocol: one JSON object per line.

  stdin (commands)                                      stdout (events)
  {"cmd": "send", "to": J, "body": B, "id": I,          {"event": "online", "jid": FULL}
   "type": "chat", "receipt": true,                     {"event": "sent", "id": I}
   "state": "active", "originId": O}                    {"event": "message", "from": …, "body": …, …}
  {"cmd": "state", "to": J, "id": I, "state": S}        {"event": "receipt", "from": …, "id": I}
  {"cmd": "ping", "id": I}                              {"event": "pong", "id": I}
  {"cmd": "quit"}                                       {"event": "error", "text": …}
                                                        {"event": "closed"}

Trust and transport: only the test CA is trusted (an SSL context with no system roots), the TLS
name is the JID's domain while the TCP connection goes to the given loopback address, TLS 1.2 at
least, and STARTTLS is required: slixmpp 1.8 accepts a `force_starttls` argument but never reads
it, so a stream that offers no STARTTLS is refused here before SASL (RFC 6120 §5.3.1, RFC 7590).
Received receipt requests are answered by slixmpp's own XEP-0184 plugin (auto_ack): that is the
third-party behaviour the tests look at.
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
from pathlib import Path

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

NS_DELAY = '{urn:xmpp:delay}delay'
NS_RECEIPT_REQUEST = '{urn:xmpp:receipts}request'


def emit(event, **fields):
    sys.stdout.write(json.dumps({'event': event, **fields}) + '\n')
    sys.stdout.flush()


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, ca):
        super().__init__(jid, password)
        # PROTOCOL_TLS_CLIENT: hostname check and CERT_REQUIRED on, and no roots until we load
        # the test CA (create_default_context() would add the system store).
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ssl_context = ctx
        self.ca_certs = Path(ca)
        for plugin in ('xep_0030', 'xep_0085', 'xep_0184', 'xep_0199', 'xep_0203', 'xep_0359'):
            self.register_plugin(plugin)
        self['xep_0184'].auto_ack = True
        self['xep_0184'].auto_request = False
        self.quitting = False
        self.exit_code = 0
        self.add_event_handler('session_start', self.on_session_start)
        # Every <message/>: slixmpp's own 'message' event fires only for those with a <body/>;
        # receipts and standalone chat states have none.
        self.register_handler(Callback('every message', MatchXPath('{jabber:client}message'), self.on_message))
        self.add_event_handler('receipt_received', self.on_receipt)
        # slixmpp tries its mechanisms in turn (EXTERNAL first where offered): one failure is not
        # the end, running out of mechanisms is.
        self.add_event_handler('failed_all_auth', lambda _: self.fatal('SASL authentication failed with every mechanism'))
        self.add_event_handler('no_auth', lambda _: self.fatal('no usable SASL mechanism'))
        self.add_event_handler('ssl_invalid_chain', lambda e: self.fatal(f'TLS: server certificate not trusted: {e}'))
        self.add_event_handler('connection_failed', lambda e: self.fatal(f'connection failed: {e}'))
        self.add_event_handler('stream_error', lambda e: emit('error', text=f'stream error: {e["condition"]}'))
        self.add_event_handler('disconnected', self.on_disconnected)

    def encrypted(self):
        return self.transport is not None and self.transport.get_extra_info('ssl_object') is not None

    async def _handle_stream_features(self, features):
        # Nothing but STARTTLS before TLS: no SASL (not even SCRAM) on a clear stream.
        if not self.encrypted() and 'starttls' not in features['features']:
            self.fatal('the server did not offer STARTTLS; refusing to continue without TLS')
            return True
        return await super()._handle_stream_features(features)

    def fatal(self, text):
        emit('error', text=text)
        self.quitting = True
        self.exit_code = 2
        self.disconnect(wait=0)
        self.loop.call_later(2, lambda: os._exit(2))

    async def on_session_start(self, _event):
        if not self.encrypted():
            self.fatal('session without TLS')
            return
        self.send_presence()
        await self.get_roster()
        emit('online', jid=str(self.boundjid.full))

    def on_message(self, msg):
        xml = msg.xml
        delay = xml.find(NS_DELAY)
        emit(
            'message',
            **{
                'from': str(msg['from']),
                'to': str(msg['to']),
                'id': msg['id'] or None,
                'type': msg['type'],
                'body': msg['body'] if xml.find('{jabber:client}body') is not None else None,
                'chatState': msg['chat_state'] or None,
                'receiptRequested': xml.find(NS_RECEIPT_REQUEST) is not None,
                'receiptFor': msg['receipt'] or None,
                'originId': msg['origin_id']['id'] or None,
                'delay': delay.get('stamp') if delay is not None else None,
                'delayFrom': delay.get('from') if delay is not None else None,
            },
        )

    def on_receipt(self, msg):
        emit('receipt', **{'from': str(msg['from']), 'id': msg['receipt']})

    def on_disconnected(self, _reason):
        emit('closed')
        if self.quitting:
            self.loop.call_soon(lambda: os._exit(self.exit_code))

    async def ping_server(self, ident):
        try:
            await self['xep_0199'].send_ping(self.boundjid.domain, timeout=10)
            emit('pong', id=ident)
        except Exception as e:
            emit('error', text=f'ping failed: {e!r}')

    def command(self, c):
        kind = c.get('cmd')
        if kind == 'send':
            msg = self.make_message(mto=c['to'], mbody=c.get('body'), mtype=c.get('type', 'chat'))
            msg['id'] = c.get('id') or self.new_id()
            if c.get('receipt'):
                msg['request_receipt'] = True
            if c.get('state'):
                msg['chat_state'] = c['state']
            if c.get('originId'):
                msg['origin_id']['id'] = c['originId']
            msg.send()
            emit('sent', id=msg['id'])
        elif kind == 'state':
            # XEP-0085 §5.5: a standalone notification, no body.
            msg = self.make_message(mto=c['to'], mtype='chat')
            msg['id'] = c.get('id') or self.new_id()
            msg['chat_state'] = c['state']
            msg.send()
            emit('sent', id=msg['id'])
        elif kind == 'ping':
            # XEP-0199 to our server: when the answer is here, the server has processed every
            # stanza we sent before it (one c2s stream is handled in order).
            self.loop.create_task(self.ping_server(c.get('id')))
        elif kind == 'quit':
            self.quitting = True
            self.disconnect(wait=2)
            self.loop.call_later(5, lambda: os._exit(0))
        else:
            emit('error', text=f'unknown command: {kind!r}')


async def read_commands(peer):
    loop = peer.loop
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:  # the driver went away: leave too
            peer.command({'cmd': 'quit'})
            return
        line = line.strip()
        if not line:
            continue
        try:
            peer.command(json.loads(line))
        except Exception as e:  # a bad command must not kill the peer
            emit('error', text=f'command failed: {e!r}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--jid', required=True)
    ap.add_argument('--host', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--ca', required=True)
    ap.add_argument('--debug', action='store_true')
    args = ap.parse_args()
    password = os.environ.get('SLIXMPP_PEER_PASSWORD')
    if not password:
        emit('error', text='SLIXMPP_PEER_PASSWORD is not set')
        sys.exit(2)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, stream=sys.stderr, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    peer = Peer(args.jid, password, args.ca)
    peer.connect((args.host, args.port))
    # asyncio keeps only weak references to tasks: hold this one, or it can be collected mid-read.
    peer.stdin_task = peer.loop.create_task(read_commands(peer))
    peer.loop.run_forever()


if __name__ == '__main__':
    main()
