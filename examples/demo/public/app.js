// The demo page: one WebSocket to /chat per tab, reconnecting with a growing delay when it drops and asking for the
// messages it missed meanwhile (`?since=` the id of the last one it saw), and an EventSource on /feed for the live
// feed (the browser reconnects it by itself, sending Last-Event-ID). Each connection, once in the room, says which
// process serves it and where the room lives (with Redis, the tabs of one room may be on different processes).
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const status = $('status');
  const nickname = $('nickname');
  const messages = $('messages');
  const composer = $('composer');
  const text = $('text');
  const send = $('send');

  // A name per tab (sessionStorage survives a reload of this tab only).
  nickname.value = sessionStorage.getItem('nickname') || `guest-${Math.floor(1000 + Math.random() * 9000)}`;

  let socket = null;
  let sentName = null;
  let retryDelay = 500;
  let lastId = ''; // the id of the last chat event seen: a reconnect resumes after it

  function showServer(connection, hello) {
    $('broker').textContent = hello.broker === 'redis' ? 'in Redis, shared by every process' : 'in this process';
    $(`${connection}-pid`).textContent = hello.pid;
    $('served').hidden = false;
  }

  function setStatus(state, label) {
    status.dataset.state = state;
    status.textContent = label;
    document.body.dataset.connection = state;
    text.disabled = send.disabled = state !== 'open';
  }

  function time(at) {
    return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function append(kind, parts, at) {
    const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    const item = document.createElement('li');
    item.className = kind;
    for (const [className, content] of parts) {
      const span = document.createElement('span');
      span.className = className;
      span.textContent = content;
      item.append(span);
    }
    const stamp = document.createElement('time');
    stamp.dateTime = new Date(at).toISOString();
    stamp.textContent = time(at);
    item.append(stamp);
    messages.append(item);
    if (atBottom) messages.scrollTop = messages.scrollHeight;
  }

  function sendName() {
    const name = nickname.value.trim();
    if (name === '' || name === sentName || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: 'name', name }));
    sentName = name;
    sessionStorage.setItem('nickname', name);
  }

  function receive(event) {
    let message;
    try {
      const envelope = JSON.parse(event.data);
      if (envelope.type === 'hello') {
        showServer('chat', envelope);
        return;
      }
      // Each event of the room comes as {topic, id, event, data}, or {topic, id, reset: true} when missed ones are gone.
      lastId = envelope.id;
      if (envelope.reset) {
        append('notice reset', [['text', 'some messages were missed while away']], Date.now());
        return;
      }
      message = JSON.parse(envelope.data);
    } catch {
      return;
    }
    const online = (count) => ` (${count} online)`;
    switch (message.type) {
      case 'message': {
        const mine = message.from === sentName;
        append(mine ? 'message mine' : 'message', [['from', message.from], ['text', message.text]], message.at);
        break;
      }
      case 'join':
        append('notice join', [['text', `${message.name} joined${online(message.online)}`]], message.at);
        break;
      case 'leave':
        append('notice leave', [['text', `${message.name} left${online(message.online)}`]], message.at);
        break;
      case 'rename':
        append('notice rename', [['text', `${message.from} is now ${message.name}`]], message.at);
        break;
    }
  }

  function connect() {
    setStatus('connecting', 'connecting…');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/chat?since=${encodeURIComponent(lastId)}`);
    socket.addEventListener('open', () => {
      // What the browser and the server agreed on (shown for the curious, read by the browser test).
      document.body.dataset.wsExtensions = socket.extensions;
      retryDelay = 500;
      sentName = null;
      setStatus('open', 'connected');
      sendName();
    });
    socket.addEventListener('message', receive);
    socket.addEventListener('close', () => {
      socket = null;
      setStatus('closed', `reconnecting in ${Math.round(retryDelay / 1000) || 1}s…`);
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    });
  }

  nickname.addEventListener('change', sendName);
  nickname.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      sendName();
      text.focus();
    }
  });

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (value === '' || !socket || socket.readyState !== WebSocket.OPEN) return;
    sendName(); // the nickname may have been edited without leaving the field
    socket.send(JSON.stringify({ type: 'message', text: value }));
    text.value = '';
    text.focus();
  });

  connect();

  // --- The live feed (Server-Sent Events) ------------------------------------------------------------------
  const feed = $('feed');
  const feedStatus = $('feed-status');
  const clock = $('clock');
  const FEED_ITEMS = 50;

  function setFeedState(state, label) {
    feedStatus.dataset.state = state;
    feedStatus.textContent = label;
  }

  function addFeedItem(kind, text, at) {
    const item = document.createElement('li');
    item.className = kind;
    const span = document.createElement('span');
    span.className = 'text';
    span.textContent = text;
    const stamp = document.createElement('time');
    stamp.dateTime = new Date(at).toISOString();
    stamp.textContent = time(at);
    item.append(span, stamp);
    feed.prepend(item);
    while (feed.children.length > FEED_ITEMS) feed.lastElementChild.remove();
  }

  const describe = {
    join: (m) => `${m.name} joined (${m.online} online)`,
    leave: (m) => `${m.name} left (${m.online} online)`,
    rename: (m) => `${m.from} is now ${m.name}`,
    message: (m) => `${m.from}: ${m.text.length > 80 ? `${m.text.slice(0, 79)}…` : m.text}`,
  };

  const source = new EventSource('/feed');
  source.addEventListener('open', () => setFeedState('live', 'live'));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) setFeedState('closed', 'closed');
    else setFeedState('reconnecting', 'reconnecting…');
  });
  for (const type of Object.keys(describe)) {
    source.addEventListener(type, (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      addFeedItem(type, describe[type](message), message.at);
    });
  }
  source.addEventListener('hello', (event) => showServer('feed', JSON.parse(event.data)));
  source.addEventListener('reset', () => addFeedItem('reset', 'some activity was missed while away', Date.now()));
  source.addEventListener('clock', (event) => {
    clock.dateTime = event.data;
    clock.textContent = new Date(event.data).toLocaleTimeString();
  });
})();
