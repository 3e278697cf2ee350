import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent, type RefObject } from 'react';
import { TileImages } from '../client/tile-images.ts';
import { currentLanguage, useT } from '../i18n/index.ts';
import { mapMarkers, rangeAndBearing, type MapMarker } from '../map/markers.ts';
import {
  fitView,
  formatScale,
  gridLines,
  panned,
  scaleBar,
  screenPoint,
  visibleTiles,
  zoomedAt,
  type LatLon,
  type MapCamera,
  type Point,
  type Size,
} from '../map/projection.ts';
import { compassPoint, formatDistance, formatFullDate, formatPosition } from '../nodes/table.ts';
import { useMap, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

/** Arrow keys move the map this many pixels; + and - zoom by one step. */
const PAN_STEP_PX = 80;
const WHEEL_ZOOM_PER_PX = 1 / 300;
const SCALE_BAR_MAX_PX = 160;
/** Where the map looks before any position is known and without a tile file: the whole world. */
const WORLD: MapCamera = { center: { latitude: 20, longitude: 0 }, zoom: 2 };

function useSize(element: RefObject<HTMLElement | null>): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useEffect(() => {
    const target = element.current;
    if (!target) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setSize({ width: Math.round(entry.contentRect.width), height: Math.round(entry.contentRect.height) });
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [element]);
  return size;
}

/**
 * Node positions and trails on the node's own raster tiles (`--tiles`), or on a plain grid with a
 * scale when there are none; the selected node's distance and bearing from this radio.
 */
export function NodeMap() {
  const t = useT();
  const nodes = useRadio((store) => store.nodes);
  const device = useRadio((store) => store.state.device);
  const tiles = useMap((store) => store.tiles);
  const trails = useMap((store) => store.trails);
  const frame = useRef<HTMLDivElement>(null);
  const size = useSize(frame);
  /** Undefined: the map fits every marker (until the operator moves it). */
  const [camera, setCamera] = useState<MapCamera>();
  const [selectedId, setSelectedId] = useState<string>();
  const [, setTilesLoaded] = useState(0);

  const markers = useMemo(() => mapMarkers(nodes, device), [nodes, device]);
  const own = markers.find((marker) => marker.own);
  const selected = markers.find((marker) => marker.id === selectedId);
  const fitted = useMemo(() => {
    const positions: LatLon[] = markers.map((marker) => marker.position);
    if (positions.length === 0 && tiles?.available && tiles.bounds) {
      const [west, south, east, north] = tiles.bounds;
      positions.push({ latitude: south, longitude: west }, { latitude: north, longitude: east });
    }
    return fitView(positions, size);
  }, [markers, tiles, size]);
  const view = camera ?? fitted ?? WORLD;
  const viewRef = useRef(view);
  viewRef.current = view;

  // One cache per tile source: a reconnect that answers the same file keeps the tiles already loaded.
  const tileTemplate = tiles?.available ? tiles.urlTemplate : undefined;
  const images = useMemo(() => (tileTemplate ? new TileImages(tileTemplate, () => setTilesLoaded((count) => count + 1)) : undefined), [tileTemplate]);
  useEffect(() => () => images?.close(), [images]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const target = frame.current;
    if (!target) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = target.getBoundingClientRect();
      const anchor = { x: event.clientX - box.left, y: event.clientY - box.top };
      setCamera(zoomedAt(viewRef.current, -event.deltaY * WHEEL_ZOOM_PER_PX, anchor, { width: box.width, height: box.height }));
    };
    target.addEventListener('wheel', onWheel, { passive: false });
    return () => target.removeEventListener('wheel', onWheel);
  }, []);

  const drag = useRef<Point>(undefined);
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0 || (event.target as Element).closest('.map-marker')) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const from = drag.current;
    if (!from) return;
    drag.current = { x: event.clientX, y: event.clientY };
    setCamera(panned(viewRef.current, { x: event.clientX - from.x, y: event.clientY - from.y }));
  };
  const endDrag = () => (drag.current = undefined);
  const centre = { x: size.width / 2, y: size.height / 2 };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, Point> = { ArrowLeft: { x: PAN_STEP_PX, y: 0 }, ArrowRight: { x: -PAN_STEP_PX, y: 0 }, ArrowUp: { x: 0, y: PAN_STEP_PX }, ArrowDown: { x: 0, y: -PAN_STEP_PX } };
    const move = moves[event.key];
    if (move) setCamera(panned(view, move));
    else if (event.key === '+' || event.key === '=') setCamera(zoomedAt(view, 1, centre, size));
    else if (event.key === '-') setCamera(zoomedAt(view, -1, centre, size));
    else if (event.key === '0') setCamera(undefined);
    else return;
    event.preventDefault();
  };

  const place = (position: LatLon) => screenPoint(position, view, size);
  const origin = place(own?.position ?? fitted?.center ?? view.center);
  const scale = scaleBar(view, SCALE_BAR_MAX_PX);
  const grid = gridLines(origin, scale.pixels, size);
  const placements = tiles?.available ? visibleTiles(view, size, tiles.minZoom, tiles.maxZoom) : [];
  const range = own && selected && !selected.own ? rangeAndBearing(own.position, selected.position) : undefined;
  const unplaced = nodes.filter((node) => !node.position && node.nodeId !== device?.nodeId).length;

  return (
    <section className="view map-view">
      <h1>{t('map.title')}</h1>
      <div className="toolbar">
        <span className="muted" data-testid="map-tile-status" data-available={tiles?.available ? 'true' : 'false'}>
          {tiles?.available ? t('map.tilesFrom', { name: tiles.name, min: tiles.minZoom, max: tiles.maxZoom }) : t('map.noTiles')}
        </span>
        <button type="button" onClick={() => setCamera(undefined)} disabled={camera === undefined}>
          {t('map.fit')}
        </button>
        <span className="muted">{t('map.keys')}</span>
      </div>
      <Problem error={tiles?.available === false ? tiles.error : undefined} />
      <div className="map-layout">
        <div
          ref={frame}
          className={`map-frame${tiles?.available ? ' with-tiles' : ''}`}
          tabIndex={0}
          role="application"
          aria-label={t('map.label')}
          data-testid="map"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          onKeyDown={onKeyDown}
        >
          <svg width={size.width} height={size.height} aria-hidden={markers.length === 0 ? true : undefined}>
            <g data-testid="map-tiles">
              {placements.map((tile) => {
                const url = images?.url(tile.z, tile.x, tile.y);
                const key = `${tile.z}/${tile.x}/${tile.y}`;
                // Tiles overlap by a fraction of a pixel so no seam shows between them.
                return url ? <image key={`${key}@${tile.left}`} href={url} x={tile.left} y={tile.top} width={tile.size + 0.5} height={tile.size + 0.5} preserveAspectRatio="none" data-tile={key} /> : null;
              })}
            </g>
            <g className="map-grid" data-testid="map-grid">
              {grid.xs.map((x) => (
                <line key={`x${x}`} x1={x} x2={x} y1={0} y2={size.height} />
              ))}
              {grid.ys.map((y) => (
                <line key={`y${y}`} x1={0} x2={size.width} y1={y} y2={y} />
              ))}
            </g>
            <g className="map-trails">
              {Object.entries(trails).map(([id, points]) => {
                if (points.length < 2) return null;
                const placed = points.map(place);
                // A dot at each reported place: where the node was, not only the way it went.
                return (
                  <g key={id} data-node-id={id}>
                    <polyline points={placed.map((point) => `${point.x},${point.y}`).join(' ')} />
                    {placed.map((point, index) => (
                      <circle key={index} cx={point.x} cy={point.y} r={2.5} />
                    ))}
                  </g>
                );
              })}
            </g>
            {range && own && selected ? <line className="map-range-line" {...lineBetween(place(own.position), place(selected.position))} /> : null}
            <g>
              {markers.map((marker) => (
                <Marker key={marker.id} marker={marker} at={place(marker.position)} selected={marker.id === selectedId} onSelect={() => setSelectedId(marker.id === selectedId ? undefined : marker.id)} />
              ))}
            </g>
            <g className="map-scale" transform={`translate(16 ${size.height - 20})`} data-testid="map-scale" data-metres={scale.metres}>
              <path d={`M0 -6 V0 H${scale.pixels} V-6`} />
              <text x={scale.pixels / 2} y={-9} textAnchor="middle">
                {formatScale(scale.metres)}
              </text>
            </g>
            {tiles?.available && tiles.attribution ? (
              <text className="map-attribution" x={size.width - 8} y={size.height - 8} textAnchor="end">
                {tiles.attribution}
              </text>
            ) : null}
          </svg>
          {markers.length === 0 ? <p className="map-empty">{t('map.noPositions')}</p> : null}
        </div>
        <aside className="map-details card" data-testid="map-details" aria-live="polite">
          {selected ? (
            <>
              <h2>
                {selected.name} <span className="short-name">{selected.label}</span>
              </h2>
              <dl>
                <dt>{t('map.id')}</dt>
                <dd>
                  <code>{selected.id}</code>
                </dd>
                <dt>{t('map.position')}</dt>
                <dd>{formatPosition(selected.position)}</dd>
                {selected.position.altitude !== undefined ? (
                  <>
                    <dt>{t('map.altitude')}</dt>
                    <dd>{t('map.metres', { value: Math.round(selected.position.altitude) })}</dd>
                  </>
                ) : null}
                {range ? (
                  <>
                    <dt>{t('map.distance')}</dt>
                    <dd data-testid="map-distance">{formatDistance(range.metres)}</dd>
                    <dt>{t('map.bearing')}</dt>
                    <dd data-testid="map-bearing">{t('map.bearingValue', { degrees: Math.round(range.degrees) % 360, point: compassPoint(range.degrees) })}</dd>
                  </>
                ) : null}
                {selected.lastHeard !== undefined ? (
                  <>
                    <dt>{t('map.lastHeard')}</dt>
                    <dd>{formatFullDate(selected.lastHeard, currentLanguage())}</dd>
                  </>
                ) : null}
              </dl>
              {selected.own ? <p className="muted">{t('map.thisRadio')}</p> : !own ? <p className="muted">{t('map.noOwnPosition')}</p> : null}
            </>
          ) : (
            <p className="muted">{t('map.pick')}</p>
          )}
          <p className="muted">{own ? t('map.ownAt', { position: formatPosition(own.position) }) : t('map.noOwnPosition')}</p>
          {unplaced > 0 ? <p className="muted">{t('map.unplaced', { count: unplaced })}</p> : null}
        </aside>
      </div>
    </section>
  );
}

const lineBetween = (a: Point, b: Point) => ({ x1: a.x, y1: a.y, x2: b.x, y2: b.y });

function Marker({ marker, at, selected, onSelect }: { marker: MapMarker; at: Point; selected: boolean; onSelect(): void }) {
  const t = useT();
  return (
    <g
      className={`map-marker${marker.own ? ' own' : ''}${selected ? ' selected' : ''}`}
      transform={`translate(${at.x} ${at.y})`}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={marker.own ? t('map.ownMarker', { name: marker.name }) : t('map.marker', { name: marker.name })}
      data-node-id={marker.id}
      data-own={marker.own ? 'true' : undefined}
      onClick={onSelect}
      onKeyDown={(event) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
        event.stopPropagation();
        onSelect();
      }}
    >
      {marker.own ? <rect x={-8} y={-8} width={16} height={16} transform="rotate(45)" /> : <circle r={7} />}
      <text x={12} y={4}>
        {marker.label}
      </text>
    </g>
  );
}
