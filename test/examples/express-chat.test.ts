/**
 * examples/express-chat: Express rooms as route parameters (`app.get('/rooms/:room', websocket(...))`).
 */
import { describeChatRooms } from './chat-rooms.js';
import { serve } from './example-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createExpressChatApp } = require('../../examples/express-chat/app.js') as { createExpressChatApp(): unknown };

describeChatRooms('express-chat example', () => serve(createExpressChatApp()));
