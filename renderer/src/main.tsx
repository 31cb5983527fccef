// Renderer entry: applies the theme before the first paint, loads the styles and mounts the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { applyInitialTheme } from './hooks/useTheme';
import './styles/theme.css';
import './styles/layout.css';
import './styles/components.css';
import './styles/projects.css';

applyInitialTheme();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
