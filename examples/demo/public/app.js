// The demo page: one WebSocket to /chat per tab, reconnecting with a growing delay when it drops.
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
      message = JSON.parse(event.data);
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
    socket = new WebSocket(`${scheme}//${location.host}/chat`);
    socket.addEventListener('open', () => {
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
})();
