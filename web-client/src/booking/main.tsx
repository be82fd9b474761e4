import { createRoot } from 'react-dom/client';
import { StrictMode } from 'react';
import { BookingApp } from './BookingApp.tsx';
import '../styles.css';
import './booking.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from booking.html');

createRoot(root).render(
  <StrictMode>
    <BookingApp />
  </StrictMode>,
);
