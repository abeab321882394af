/**
 * What every host's test app is made of, whichever routes it then adds: the frameworks themselves
 * (Express 4 and 5, Connect 3, Koa 2 and 3 with @koa/router), the auth middleware that answers 401
 * to `x-deny`, and each framework's error handling that records what reached it.
 */
import type * as http from 'node:http';

/* eslint-disable @typescript-eslint/no-require-imports */
export const express5 = require('express') as typeof import('express');
export const express4 = require('express4') as typeof import('express');
export const connect = require('connect') as typeof import('connect');
export const Koa3 = require('koa') as typeof import('koa');
export const Koa2 = require('koa2') as typeof import('koa');
export const Router: typeof import('@koa/router').Router = (require('@koa/router') as typeof import('@koa/router')).Router;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The auth check of node, Express and Connect apps: a request with `x-deny` gets 401. */
export function deny(req: http.IncomingMessage, res: http.ServerResponse, next: () => void): void {
  if (!req.headers['x-deny']) return next();
  res.writeHead(401, { 'WWW-Authenticate': 'Bearer' });
  res.end('no');
}

/** Express's error middleware: records the error, then 500, or the framework's own handler once a stream's headers are out. */
export function expressErrors(errors: unknown[]) {
  return (error: unknown, _req: unknown, res: import('express').Response, next: (error: unknown) => void): void => {
    errors.push(error);
    if (res.headersSent) return next(error);
    res.status(500).send('error');
  };
}

/** Connect's error middleware: records the error, then 500, or ends what is left. */
export function connectErrors(errors: unknown[]) {
  return (error: unknown, _req: http.IncomingMessage, res: http.ServerResponse, _next: () => void): void => {
    errors.push(error);
    if (res.headersSent) return void res.end();
    res.statusCode = 500;
    res.end('error');
  };
}

/** The plain node app's `next`: 404 with no error, 500 with one (recorded). */
export function nodeFallback(errors: unknown[], res: http.ServerResponse): (error?: unknown) => void {
  return (error) => {
    if (error !== undefined) errors.push(error);
    if (!res.headersSent) res.writeHead(error === undefined ? 404 : 500);
    res.end();
  };
}

/** A Koa app that records its errors silently and answers 401 to `x-deny`. */
export function koaApp(Koa: typeof import('koa'), errors: unknown[]): import('koa') {
  const app = new Koa();
  app.silent = true;
  app.on('error', (error: unknown) => errors.push(error));
  app.use(async (ctx, next) => {
    if (!ctx.get('x-deny')) return next();
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Bearer');
    ctx.body = 'no';
  });
  return app;
}
