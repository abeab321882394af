/**
 * examples/sse-koa: Koa's `eventSource()` middleware on a @koa/router route for /clock, `ctx.eventSource()` with a
 * Channel for /feed.
 */
import { describeSseBoard, describeSseScript } from './sse-board.js';
import { serve } from './example-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSseKoaApp } = require('../../examples/sse-koa/app.js') as { createSseKoaApp(): unknown };

describeSseBoard('sse-koa example', () => serve(createSseKoaApp(), 'koa'));
describeSseScript('example:sse-koa');
