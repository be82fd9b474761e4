import { useI18n } from '../i18n/index.ts';

/** Plain SVG/CSS charts: light, printable, and readable by a screen reader (each has a text summary). */

export interface Bar {
  label: string;
  value: number;
}

interface ColumnChartProps {
  title: string;
  bars: Bar[];
  /** Show every n-th label under the axis (long series). */
  labelEvery?: number;
  testId?: string;
}

const WIDTH = 720;
const HEIGHT = 200;
const AXIS = 22;

/**
 * Under its bar; the first and last labels of a long series lean inwards, since a label wider than
 * its slot would otherwise be cut at the chart's edge.
 */
function labelPosition(index: number, count: number, slot: number): { x: number; textAnchor: 'start' | 'middle' | 'end' } {
  if (count > 1 && index === 0) return { x: 0, textAnchor: 'start' };
  if (count > 1 && index === count - 1) return { x: count * slot, textAnchor: 'end' };
  return { x: index * slot + slot / 2, textAnchor: 'middle' };
}

/** Vertical bars (volumes per hour or per day). */
export function ColumnChart({ title, bars, labelEvery = 1, testId }: ColumnChartProps) {
  const { t } = useI18n();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = WIDTH / Math.max(1, bars.length);
  const summary = t.chart.series(bars.map((b) => t.chart.bar(b.label, t.format.count(b.value))));
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + AXIS}`} role="img" aria-label={t.format.labelled(title, summary)} preserveAspectRatio="none">
        {bars.map((bar, i) => {
          const h = (bar.value / max) * HEIGHT;
          return (
            <g key={bar.label}>
              <rect x={i * slot + slot * 0.1} y={HEIGHT - h} width={slot * 0.8} height={h} className="chart-bar">
                <title>{t.format.labelled(bar.label, t.format.count(bar.value))}</title>
              </rect>
              {i % labelEvery === 0 ? (
                <text {...labelPosition(i, bars.length, slot)} y={HEIGHT + 16} className="chart-label">
                  {bar.label}
                </text>
              ) : null}
            </g>
          );
        })}
        <line x1={0} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} className="chart-axis" />
      </svg>
      <p className="chart-max">{t.chart.max(t.format.count(max))}</p>
    </figure>
  );
}

interface MeterRowsProps {
  title: string;
  rows: { label: string; value: number; display: string }[];
  testId?: string;
}

/** Horizontal bars with their figures written out (sites, satisfaction scores). */
export function MeterRows({ title, rows, testId }: MeterRowsProps) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <table className="meter-table">
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td className="meter-cell">
                <span className="meter" style={{ width: `${(row.value / max) * 100}%` }} aria-hidden="true" />
              </td>
              <td className="number">{row.display}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
