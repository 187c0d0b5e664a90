export { type Asker, queryHandler } from './handler.js';
export { type Route, route } from './routes.js';
