/**
 * examples/koa-chat: Koa and @koa/router, rooms from `ctx.params.room` (`router.get('/rooms/:room', websocket(...))`).
 */
import { describeChatRooms } from './chat-rooms.js';
import { serve } from './example-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createKoaChatApp } = require('../../examples/koa-chat/app.js') as { createKoaChatApp(): unknown };

describeChatRooms('koa-chat example', () => serve(createKoaChatApp(), 'koa'));
