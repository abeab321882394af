/**
 * examples/sse-express: `eventSource()` middleware for /clock, `res.eventSource()` with a Channel for /feed.
 */
import { describeSseBoard, describeSseScript } from './sse-board.js';
import { serve } from './example-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSseExpressApp } = require('../../examples/sse-express/app.js') as { createSseExpressApp(): unknown };

describeSseBoard('sse-express example', () => serve(createSseExpressApp()));
describeSseScript('example:sse-express');
