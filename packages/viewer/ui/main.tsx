import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app';
import { HttpSource } from './http-source';
import { OfflineSource } from './offline-source';
import type { DataSource } from './source';
import type { OfflineData } from './types';

/** An offline report embeds its data in this element; without it, the viewer talks to the server. */
function pickSource(): { source: DataSource; title?: string } {
  const el = document.getElementById('lazytrace-data');
  if (el?.textContent) {
    const data = JSON.parse(el.textContent) as OfflineData;
    return { source: new OfflineSource(data), title: data.title };
  }
  return { source: new HttpSource() };
}

const { source, title } = pickSource();
render(<App source={source} title={title} />, document.getElementById('app')!);
