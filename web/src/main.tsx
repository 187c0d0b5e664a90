import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { takeTokenFromFragment } from './api';
import { App } from './app';

takeTokenFromFragment();
render(<App />, document.getElementById('app') as HTMLElement);
